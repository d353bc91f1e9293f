package io.github.vertxchannels.grpc;

import com.google.protobuf.Descriptors;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpcService;
import io.github.vertxchannels.impl.grpc.ChannelGrpcService;
import io.github.vertxchannels.impl.grpc.ServerReflection;
import io.github.vertxchannels.impl.health.HealthEndpoint;
import io.github.vertxchannels.impl.health.ServingState;
import io.github.vertxchannels.impl.metrics.ChannelCounters;
import io.github.vertxchannels.impl.metrics.Events;
import io.github.vertxchannels.impl.metrics.MetricsEndpoint;
import io.github.vertxchannels.impl.metrics.MetricsOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.Service;

import java.util.logging.Logger;

/**
 * The gRPC endpoint: an HTTP/2 server serving {@code vertx.channels.v1.ChannelService}, the
 * standard {@code grpc.health.v1.Health} service (NOT_SERVING until this verticle listens, while
 * it stops and while the node is out of its cluster) and server reflection (v1 and v1alpha, which
 * list and describe ChannelService), configured by
 * {@link ChannelServerOptions} (the verticle's config). Channels themselves live in the
 * {@link io.github.vertxchannels.ChannelVerticle}; this verticle only adapts gRPC to the event bus.
 */
public final class ChannelGrpcVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(ChannelGrpcVerticle.class.getName());

  private ChannelServerOptions options;
  private ChannelGrpcService service;
  private HttpServer httpServer;
  private HttpServer metricsServer;

  @Override
  public Future<?> start() {
    options = new ChannelServerOptions(config());
    GrpcServer grpcServer = GrpcServer.server(vertx, new GrpcServerOptions()
      .setMaxMessageSize(options.getMaxMessageSize() + ChannelServerOptions.FRAMING_HEADROOM));
    service = new ChannelGrpcService(vertx, options);
    service.bind(grpcServer);
    // Listed for reflection and health only: service.bind has bound its methods, one handler each.
    grpcServer.addService(describedOnly(ChannelServiceGrpcService.SERVICE_NAME, ChannelServiceGrpcService.SERVICE_DESCRIPTOR));
    grpcServer.addService(new HealthEndpoint(vertx, ChannelServiceGrpcService.SERVICE_NAME.fullyQualifiedName()));
    grpcServer.addService(ServerReflection.v1());
    grpcServer.addService(ServerReflection.v1alpha());
    HttpServerOptions httpOptions = service.timeouts(ChannelGrpcService.tls(options, new HttpServerOptions()))
      .setHost(options.getHost())
      .setPort(options.getPort())
      // Larger HTTP/2 windows than the 64 KiB default: a window per RTT caps a stream's throughput.
      .setInitialSettings(new Http2Settings().setInitialWindowSize(4 * 1024 * 1024)
        .setMaxFrameSize(1024 * 1024 - 1))
      .setHttp2ConnectionWindowSize(16 * 1024 * 1024);
    MetricsOptions metricsOptions = MetricsOptions.fromConfig(config());
    return vertx.createHttpServer(httpOptions)
      .requestHandler(service.gate(grpcServer))
      // One connection handler (the server keeps only the last one set): timeouts, then counters and logs.
      .connectionHandler(connectionHandler(service.onConnection()))
      .listen()
      .compose(server -> metricsOptions.enabled() ? startMetrics(metricsOptions).map(server) : Future.succeededFuture(server))
      .onSuccess(server -> {
        httpServer = server;
        ServingState.of(vertx).ready();
        LOG.info("gRPC server listening on " + options.getHost() + ":" + server.actualPort()
          + (options.isTls() ? " (TLS)" : " (plaintext)")
          + (options.getAuthTokens().isEmpty() ? "" : ", bearer tokens required"));
      });
  }

  @Override
  public Future<?> stop() {
    // Health watchers hear NOT_SERVING first; then every stream's client is told (UNAVAILABLE),
    // then the server stops accepting and closes connections.
    ServingState.of(vertx).draining();
    service.shutdown();
    Future<Void> metrics = metricsServer == null ? Future.succeededFuture() : metricsServer.close();
    return Future.all(metrics, httpServer == null ? Future.succeededFuture() : httpServer.shutdown());
  }

  private Future<HttpServer> startMetrics(MetricsOptions metricsOptions) {
    try {
      return MetricsEndpoint.start(vertx, metricsOptions).onSuccess(m -> metricsServer = m);
    } catch (LinkageError e) {
      // Micrometer is an optional dependency: the fat jar has it, an embedding application may not.
      return Future.failedFuture(new IllegalStateException("metrics.enabled needs io.micrometer:micrometer-registry-prometheus"
        + " on the classpath (missing: " + e.getMessage() + ")"));
    }
  }

  /** @return the metrics endpoint's port, or -1 when metrics are disabled */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.actualPort();
  }

  /** Counts and logs every client connection, and its close. */
  private static io.vertx.core.Handler<HttpConnection> connectionHandler(io.vertx.core.Handler<HttpConnection> timeouts) {
    return connection -> {
      timeouts.handle(connection);
      connectionOpened(connection);
    };
  }

  private static void connectionOpened(HttpConnection connection) {
    ChannelCounters.connection(1);
    Events.connectionOpened(connection.remoteAddress(), connection.localAddress());
    connection.closeHandler(v -> {
      ChannelCounters.connection(-1);
      Events.connectionClosed(connection.remoteAddress());
    });
  }

  private static Service describedOnly(io.vertx.grpc.common.ServiceName name, Descriptors.ServiceDescriptor descriptor) {
    return new Service() {
      @Override
      public io.vertx.grpc.common.ServiceName name() {
        return name;
      }

      @Override
      public Descriptors.ServiceDescriptor descriptor() {
        return descriptor;
      }

      @Override
      public void bind(GrpcServer server) {
        // the methods are bound already
      }
    };
  }

  /** @return the port the server listens on (useful with port 0) */
  public int actualPort() {
    return httpServer == null ? -1 : httpServer.actualPort();
  }
}
