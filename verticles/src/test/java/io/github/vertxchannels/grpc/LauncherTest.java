package io.github.vertxchannels.grpc;

import io.github.vertxchannels.client.ChannelGrpcClient;
import io.github.vertxchannels.client.RemoteChannel;
import io.github.vertxchannels.client.RemoteStream;
import io.github.vertxchannels.impl.ChannelsLauncher;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher as a user runs it: a separate JVM, options, a JSON config, SIGTERM. */
class LauncherTest {

  static Process launch(String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), ChannelsLauncher.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** Reads the process output until a line contains {@code marker}; returns that line. */
  static String awaitLine(Process p, String marker) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> found = CompletableFuture.supplyAsync(() -> {
      try {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.contains(marker)) {
            return line;
          }
        }
        return null;
      } catch (Exception e) {
        return null;
      }
    });
    String line = found.get(60, TimeUnit.SECONDS);
    if (line == null) {
      throw new AssertionError("the process ended before printing '" + marker + "'");
    }
    // keep draining so the child never blocks on a full pipe
    CompletableFuture.runAsync(() -> {
      try {
        while (r.readLine() != null) {
          // discard
        }
      } catch (Exception ignored) {
        // process gone
      }
    });
    return line;
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void the_server_starts_with_options_from_a_config_file_and_the_command_line_and_stops_cleanly_on_sigterm() throws Exception {
    int port = freePort();
    File conf = Files.createTempFile("vertx-channels", ".json").toFile();
    conf.deleteOnExit();
    Files.writeString(conf.toPath(), "{\"port\": 1, \"batch_max_messages\": 16}");
    Process p = launch("-conf", conf.getPath(), "--port", Integer.toString(port));
    try {
      String line = awaitLine(p, "gRPC server listening on");
      assertTrue(line.contains("127.0.0.1:" + port), "--port wins over the config file: " + line);
      try (ChannelGrpcClient client = ChannelGrpcClient.connect("127.0.0.1:" + port)) {
        RemoteChannel ch = client.newByteChannel(0);
        ch.send(new byte[] {1});
        ch.send(new byte[] {2});
        RemoteStream stream = ch.stream(1, 1 << 20);
        assertEquals(1, stream.next(5000)[0]);
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the server stops");
        // 143 = 128 + SIGTERM: the JVM's status after its shutdown hooks (Vert.x close) ran.
        assertTrue(p.exitValue() == 0 || p.exitValue() == 143, "a clean stop, got " + p.exitValue());
        // The open stream is told: it ends with an error (UNAVAILABLE) rather than hanging.
        assertThrows(RuntimeException.class, () -> {
          while (stream.next(10_000) != null) {
            // drain whatever was in flight
          }
          throw new AssertionError("the stream should end with an error");
        });
      }
    } finally {
      p.destroyForcibly();
    }
  }
}
