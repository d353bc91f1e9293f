package io.github.vertxchannels.grpc;

import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.CreateRequest;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A real server (channel verticle + gRPC verticle) on an ephemeral loopback port, and real
 * grpc-java clients talking HTTP/2 to it.
 */
@ExtendWith(VertxExtension.class)
abstract class GrpcTestBase {

  protected Vertx vertx;
  protected int port;
  protected ManagedChannel transport;
  protected ChannelServiceGrpc.ChannelServiceBlockingStub stub;
  private final List<ManagedChannel> transports = new ArrayList<>();

  /** Server config for this test class; override to change batching or keepalive. */
  protected JsonObject serverConfig() {
    return new JsonObject().put("port", 0).put("keepalive_interval_ms", 500);
  }

  @BeforeEach
  void startServer(Vertx vertx) {
    this.vertx = vertx;
    ChannelGrpcVerticle grpc = new ChannelGrpcVerticle();
    DeploymentOptions options = new DeploymentOptions().setConfig(serverConfig());
    await(vertx.deployVerticle(new ChannelVerticle(), options).compose(id -> vertx.deployVerticle(grpc, options)));
    port = grpc.actualPort();
    transport = newTransport();
    stub = ChannelServiceGrpc.newBlockingStub(transport);
  }

  @AfterEach
  void closeTransports() {
    transports.forEach(ManagedChannel::shutdownNow);
  }

  protected ManagedChannel newTransport() {
    ManagedChannel t = NettyChannelBuilder.forAddress("127.0.0.1", port)
      .usePlaintext()
      .maxInboundMessageSize(ChannelServerOptions.DEFAULT_MAX_MESSAGE_SIZE + ChannelServerOptions.FRAMING_HEADROOM)
      .build();
    transports.add(t);
    return t;
  }

  protected String create(ChannelKind kind, long maxSize) {
    return stub.create(CreateRequest.newBuilder().setKind(kind).setMaxSize(maxSize).build()).getInfo().getId();
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

}
