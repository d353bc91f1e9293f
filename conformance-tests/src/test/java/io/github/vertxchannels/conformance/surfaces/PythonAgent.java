package io.github.vertxchannels.conformance.surfaces;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Python engine in agent mode ({@code python/run_conformance.py agent}): a subprocess that
 * executes single operations on the Python surfaces for the cross-language cases, one JSON object
 * per line on stdin and stdout, answered in any order (matched by {@code rid}).
 */
public final class PythonAgent implements AutoCloseable {

  private final Process process;
  private final BufferedWriter stdin;
  private final Map<Long, CompletableFuture<JsonObject>> waiting = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile String died;

  private PythonAgent(Process process) {
    this.process = process;
    this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    Thread reader = new Thread(this::read, "python-agent-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts the agent.
   *
   * @param command the python executable, the runner script and its arguments
   * @param pythonPath the PYTHONPATH (the client package and the conformance package)
   * @param log where its stderr goes
   */
  public static PythonAgent start(List<String> command, String pythonPath, Path log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
    pb.environment().put("PYTHONPATH", pythonPath);
    pb.environment().put("PYTHONUNBUFFERED", "1");
    PythonAgent agent = new PythonAgent(pb.start());
    JsonObject hello = agent.call(new JsonObject().put("op", "hello"), 60_000);
    if (!"ok".equals(hello.getString("status"))) {
      agent.close();
      throw new IOException("the Python agent did not start: " + hello.encode());
    }
    return agent;
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        JsonObject answer;
        try {
          answer = new JsonObject(line);
        } catch (RuntimeException e) {
          continue; // not one of ours (a stray print)
        }
        CompletableFuture<JsonObject> f = waiting.remove(answer.getLong("rid", -1L));
        if (f != null) {
          f.complete(answer);
        }
      }
    } catch (IOException ignored) {
      // the agent is gone
    }
    died = "the Python agent exited";
    waiting.values().forEach(f -> f.complete(new JsonObject().put("status", "error").put("detail", died)));
  }

  /**
   * Sends one request and waits for its answer.
   *
   * @return the answer; {@code {"status": "error", ...}} when the agent failed or timed out
   */
  public JsonObject call(JsonObject request, long timeoutMs) {
    if (died != null) {
      return new JsonObject().put("status", "error").put("detail", died);
    }
    long rid = ids.incrementAndGet();
    CompletableFuture<JsonObject> f = new CompletableFuture<>();
    waiting.put(rid, f);
    try {
      synchronized (stdin) {
        stdin.write(request.copy().put("rid", rid).encode());
        stdin.write('\n');
        stdin.flush();
      }
      return f.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      waiting.remove(rid);
      return new JsonObject().put("status", "error").put("detail", "the Python agent did not answer "
          + request.getString("op") + ": " + e);
    }
  }

  @Override
  public void close() {
    try {
      synchronized (stdin) {
        stdin.close();
      }
    } catch (IOException ignored) {
      // already gone
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
