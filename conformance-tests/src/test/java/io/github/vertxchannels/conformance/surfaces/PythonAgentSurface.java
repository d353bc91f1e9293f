package io.github.vertxchannels.conformance.surfaces;

import io.github.vertxchannels.conformance.engine.Engine;
import io.github.vertxchannels.conformance.engine.Outcome;
import io.github.vertxchannels.conformance.engine.OutcomeException;
import io.github.vertxchannels.conformance.engine.Payload;
import io.github.vertxchannels.conformance.engine.Surface;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Python surface ({@code python-sync} or {@code python-asyncio}) driven from the Java engine
 * through the {@link PythonAgent}, for the cross-language cases: each call is one operation of
 * the Python engine's own adapter for that surface ({@code python/conformance/surfaces.py}).
 */
public final class PythonAgentSurface implements Surface, Engine.PyView {

  private static final long CALL_TIMEOUT_MS = 120_000;

  private final PythonAgent agent;
  private final String surface;
  private final Map<String, String> pyviews = new ConcurrentHashMap<>();
  private final AtomicLong opIds = new AtomicLong();

  /**
   * @param agent the running agent
   * @param surface {@code python-sync} or {@code python-asyncio}
   */
  public PythonAgentSurface(PythonAgent agent, String surface) {
    this.agent = agent;
    this.surface = surface;
  }

  @Override
  public String name() {
    return surface;
  }

  @Override
  public String language() {
    return "python";
  }

  @Override
  public String cannot(String capability) {
    JsonObject a = call(new JsonObject().put("op", "cannot").put("capability", capability));
    return a.getString("reason");
  }

  private JsonObject call(JsonObject request) {
    return agent.call(request.put("surface", surface), CALL_TIMEOUT_MS);
  }

  static Outcome outcome(JsonObject a) {
    String status = a.getString("status", "error");
    if (status.equals("messages")) {
      List<Outcome> items = new ArrayList<>();
      for (Object o : a.getJsonArray("items", new JsonArray())) {
        items.add(outcome((JsonObject) o));
      }
      return Outcome.messages(items);
    }
    if (status.equals("message")) {
      return new Outcome("message", HexFormat.of().parseHex(a.getString("payload")), a.getString("pycanon"),
          null, null, null);
    }
    if (status.equals("info")) {
      Map<String, Object> info = new LinkedHashMap<>(a.getJsonObject("info").getMap());
      return Outcome.info(info);
    }
    return Outcome.of(status, a.getString("detail"));
  }

  private static JsonObject payload(JsonObject request, Payload p) {
    return request.put("payload", HexFormat.of().formatHex(p.bytes())).put("canon", p.canon());
  }

  @Override
  public Chan create(String kind, long maxSize, boolean separateCreator) throws OutcomeException {
    JsonObject a = call(new JsonObject().put("op", "create").put("kind", kind).put("max_size", maxSize)
        .put("separate", separateCreator));
    if (!"ok".equals(a.getString("status"))) {
      throw new OutcomeException(outcome(a));
    }
    return new AgentChan(a.getString("handle"), a.getString("id"));
  }

  @Override
  public Chan attach(String id, String kind, boolean newConnection) throws OutcomeException {
    JsonObject a = call(new JsonObject().put("op", "attach").put("id", id).put("kind", kind)
        .put("new_connection", newConnection));
    if (!"ok".equals(a.getString("status"))) {
      throw new OutcomeException(outcome(a));
    }
    return new AgentChan(a.getString("handle"), id);
  }

  @Override
  public Outcome sendToAddress(String address, Payload p) {
    return outcome(call(payload(new JsonObject().put("op", "send_to_address").put("address", address), p)));
  }

  @Override
  public String pyview(String canon) {
    return pyviews.computeIfAbsent(canon, c -> {
      JsonObject a = call(new JsonObject().put("op", "pyview").put("canon", c));
      return a.getString("pycanon", "error: " + a.getString("detail"));
    });
  }

  @Override
  public void close() {
    // The agent is shared by both Python surfaces; the suite closes it.
  }

  private final class AgentChan implements Chan {
    private final String handle;
    private final String id;

    AgentChan(String handle, String id) {
      this.handle = handle;
      this.id = id;
    }

    private JsonObject req(String op) {
      return new JsonObject().put("op", op).put("handle", handle);
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public Outcome send(Payload p) {
      return outcome(call(payload(req("send"), p)));
    }

    @Override
    public Outcome sendWait(Payload p, long timeoutMs) {
      return outcome(call(payload(req("send_wait"), p).put("timeout", timeoutMs)));
    }

    @Override
    public Outcome tryReceive() {
      return outcome(call(req("try_receive")));
    }

    @Override
    public Outcome receive(long timeoutMs) {
      return outcome(call(req("receive").put("timeout", timeoutMs)));
    }

    @Override
    public Pending receiveCancellable(long timeoutMs) {
      String opId = "c" + opIds.incrementAndGet();
      CompletableFuture<Outcome> result = CompletableFuture.supplyAsync(() ->
          outcome(call(req("receive_cancellable").put("timeout", timeoutMs).put("op_id", opId))));
      return new Pending() {
        @Override
        public Outcome await(long withinMs) throws TimeoutException {
          try {
            return result.get(withinMs, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.error(e);
          } catch (ExecutionException e) {
            return Outcome.error(e.getCause());
          }
        }

        @Override
        public void cancel() {
          call(new JsonObject().put("op", "cancel").put("op_id", opId));
        }

        @Override
        public boolean isDone() {
          return result.isDone();
        }
      };
    }

    @Override
    public Outcome close() {
      return outcome(call(req("close")));
    }

    @Override
    public Outcome info() {
      return outcome(call(req("info")));
    }

    @Override
    public Outcome iterate(String style, long withinMs) {
      return outcome(call(req("iterate").put("style", style).put("within_ms", withinMs)));
    }

    @Override
    public Iter iterOpen(int window, boolean newConnection) {
      JsonObject a = call(req("iter_open").put("window", window).put("new_connection", newConnection));
      String iter = a.getString("iter");
      if (iter == null) {
        throw new IllegalStateException("iter_open answered " + a.encode());
      }
      return new Iter() {
        @Override
        public Outcome next(long timeoutMs) {
          return outcome(call(new JsonObject().put("op", "iter_next").put("iter", iter).put("timeout", timeoutMs)));
        }

        @Override
        public void close() {
          call(new JsonObject().put("op", "iter_close").put("iter", iter));
        }

        @Override
        public void breakConnection() {
          call(new JsonObject().put("op", "break_connection").put("iter", iter));
        }
      };
    }

    @Override
    public void endCreator() {
      call(req("end_creator"));
    }
  }
}
