package io.github.vertxchannels.impl.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * The Prometheus endpoint: {@code GET /metrics} on its own HTTP server ({@link MetricsOptions}).
 * One {@link PrometheusMeterRegistry} per JVM ({@link #registry()}), holding the channel meters
 * (read from {@link ChannelCounters}), JVM meters and, when the launcher enabled Vert.x metrics,
 * Vert.x's own (HTTP server, event bus, pools).
 *
 * <p>A scrape first reads every channel owner's totals on the owner's event loop, then renders:
 * the gauges are as of that scrape. The counters are totals since start; Prometheus derives the
 * per-second rates ({@code rate(vertx_channels_sends_total[1m])}).
 */
public final class MetricsEndpoint {

  private static final Logger LOG = Logger.getLogger(MetricsEndpoint.class.getName());
  /** An owner loop that has not answered within this is left out of one scrape, not waited for. */
  private static final long OWNER_READ_TIMEOUT_MS = 2000;
  private static final AtomicReference<ChannelCounters.Totals> LAST = new AtomicReference<>(ChannelCounters.Totals.ZERO);
  private static PrometheusMeterRegistry registry;

  private MetricsEndpoint() {
  }

  /** @return the JVM's registry, with the channel meters bound (created on first use) */
  public static synchronized PrometheusMeterRegistry registry() {
    if (registry == null) {
      registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      bind(registry);
    }
    return registry;
  }

  private static void bind(PrometheusMeterRegistry r) {
    Gauge.builder("vertx.channels.channels", LAST, t -> t.get().channels())
      .description("Channels this node owns (open, or closed and still addressable)").register(r);
    Gauge.builder("vertx.channels.queued", LAST, t -> t.get().queuedBytes()).baseUnit("bytes")
      .description("Payload bytes queued in this node's channels").register(r);
    Gauge.builder("vertx.channels.memory.held", LAST, t -> t.get().heldBytes()).baseUnit("bytes")
      .description("What this node's channels hold against max_total_bytes: queued, in flight, reserved, "
        + "plus 128 bytes per queued message").register(r);
    Gauge.builder("vertx.channels.waiting.receivers", LAST, t -> t.get().waitingReceivers())
      .description("Receivers (blocking receives and streams with credit) waiting on an empty channel").register(r);
    Gauge.builder("vertx.channels.waiting.senders", LAST, t -> t.get().waitingSenders())
      .description("Blocking sends waiting for room in a full channel").register(r);
    counter(r, "vertx.channels.sends", ChannelCounters.SENDS, "Messages put into channels");
    counter(r, "vertx.channels.receives", ChannelCounters.RECEIVES,
      "Messages taken from channels (receive, try_receive, stream deliveries)");
    counter(r, "vertx.channels.redeliveries", ChannelCounters.REDELIVERIES,
      "Messages put back at the head of a channel (cancelled receive, broken or closed stream)");
    for (ChannelCounters.Rejection why : ChannelCounters.Rejection.values()) {
      FunctionCounter.builder("vertx.channels.rejected.calls", ChannelCounters.REJECTED[why.ordinal()], LongAdder::sum)
        .tag("reason", why.name().toLowerCase(Locale.ROOT))
        .description("Calls refused: auth = bad or missing token, limit = a limit reached, invalid = a malformed request")
        .register(r);
    }
    Gauge.builder("vertx.channels.grpc.connections", ChannelCounters.CONNECTIONS_OPEN, LongAdder::sum)
      .description("Open client connections to the gRPC endpoint").register(r);
    counter(r, "vertx.channels.grpc.connections.opened", ChannelCounters.CONNECTIONS_OPENED,
      "Client connections accepted by the gRPC endpoint");
    new JvmMemoryMetrics().bindTo(r);
    new JvmThreadMetrics().bindTo(r);
    new ProcessorMetrics().bindTo(r);
    new UptimeMetrics().bindTo(r);
  }

  private static void counter(PrometheusMeterRegistry r, String name, LongAdder adder, String description) {
    FunctionCounter.builder(name, adder, LongAdder::sum).description(description).register(r);
  }

  /**
   * Starts the endpoint.
   *
   * @return the listening server
   */
  public static Future<HttpServer> start(Vertx vertx, MetricsOptions options) {
    PrometheusMeterRegistry r = registry();
    return vertx.createHttpServer()
      .requestHandler(request -> handle(vertx, r, request))
      .listen(options.port(), options.host())
      .onSuccess(s -> LOG.info("metrics endpoint listening on http://" + options.host() + ":" + s.actualPort() + "/metrics"));
  }

  private static void handle(Vertx vertx, PrometheusMeterRegistry r, HttpServerRequest request) {
    if (!request.path().equals("/metrics")) {
      request.response().setStatusCode(404).end("not found: the metrics are at GET /metrics\n");
      return;
    }
    if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      request.response().setStatusCode(405).putHeader("allow", "GET, HEAD").end();
      return;
    }
    ChannelCounters.ownerTotals(p -> {
      long timer = vertx.setTimer(OWNER_READ_TIMEOUT_MS, id -> p.tryComplete(null));
      p.future().onComplete(x -> vertx.cancelTimer(timer));
      return p;
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        LAST.set(ar.result());
      }
      request.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(r.scrape());
    });
  }
}
