package io.github.vertxchannels.grpc;

import io.github.vertxchannels.grpc.v1.ChannelServiceGrpcService;
import io.github.vertxchannels.impl.grpc.ChannelGrpcService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;

import java.util.logging.Logger;

/**
 * The gRPC endpoint: an HTTP/2 server serving {@code vertx.channels.v1.ChannelService}, the
 * standard {@code grpc.health.v1.Health} service and server reflection, configured by
 * {@link ChannelServerOptions} (the verticle's config). Channels themselves live in the
 * {@link io.github.vertxchannels.ChannelVerticle}; this verticle only adapts gRPC to the event bus.
 */
public final class ChannelGrpcVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(ChannelGrpcVerticle.class.getName());

  private ChannelServerOptions options;
  private ChannelGrpcService service;
  private HttpServer httpServer;

  @Override
  public Future<?> start() {
    options = new ChannelServerOptions(config());
    GrpcServer grpcServer = GrpcServer.server(vertx, new GrpcServerOptions()
      .setMaxMessageSize(options.getMaxMessageSize() + ChannelServerOptions.FRAMING_HEADROOM));
    service = new ChannelGrpcService(vertx, options);
    service.bind(grpcServer);
    grpcServer.addService(HealthService.create(vertx)
      .register(ChannelServiceGrpcService.SERVICE_NAME, () -> Future.succeededFuture(true)));
    grpcServer.addService(ReflectionService.v1());
    HttpServerOptions httpOptions = service.timeouts(ChannelGrpcService.tls(options, new HttpServerOptions()))
      .setHost(options.getHost())
      .setPort(options.getPort())
      // Larger HTTP/2 windows than the 64 KiB default: a window per RTT caps a stream's throughput.
      .setInitialSettings(new Http2Settings().setInitialWindowSize(4 * 1024 * 1024)
        .setMaxFrameSize(1024 * 1024 - 1))
      .setHttp2ConnectionWindowSize(16 * 1024 * 1024);
    return vertx.createHttpServer(httpOptions)
      .connectionHandler(service.onConnection())
      .requestHandler(service.gate(grpcServer))
      .listen()
      .onSuccess(server -> {
        httpServer = server;
        LOG.info("gRPC server listening on " + options.getHost() + ":" + server.actualPort()
          + (options.isTls() ? " (TLS)" : " (plaintext)")
          + (options.getAuthTokens().isEmpty() ? "" : ", bearer tokens required"));
      });
  }

  @Override
  public Future<?> stop() {
    // Tell every stream's client first (UNAVAILABLE), then stop accepting and close connections.
    service.shutdown();
    return httpServer == null ? Future.succeededFuture() : httpServer.shutdown();
  }

  /** @return the port the server listens on (useful with port 0) */
  public int actualPort() {
    return httpServer == null ? -1 : httpServer.actualPort();
  }
}
