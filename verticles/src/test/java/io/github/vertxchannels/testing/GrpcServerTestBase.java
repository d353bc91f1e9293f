package io.github.vertxchannels.testing;

import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.grpc.ChannelGrpcVerticle;
import io.github.vertxchannels.grpc.ChannelServerOptions;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.CreateRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
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
import java.util.concurrent.TimeUnit;

/**
 * A real server (channel verticle + gRPC verticle) on an ephemeral loopback port before each
 * test, and real grpc-java clients talking HTTP/2 to it (closed after each test).
 */
@ExtendWith(VertxExtension.class)
public abstract class GrpcServerTestBase {

  protected Vertx vertx;
  protected int port;
  protected ManagedChannel transport;
  protected ChannelServiceGrpc.ChannelServiceBlockingStub stub;
  private final List<ManagedChannel> transports = new ArrayList<>();

  /** Server config for this test class; override to change batching, keepalive or limits. */
  protected JsonObject serverConfig() {
    return new JsonObject().put("port", 0).put("keepalive_interval_ms", 500);
  }

  /** The largest gRPC message the test clients accept. */
  protected int clientMaxInbound() {
    return ChannelServerOptions.DEFAULT_MAX_MESSAGE_SIZE + ChannelServerOptions.FRAMING_HEADROOM;
  }

  @BeforeEach
  protected void startServer(Vertx vertx) {
    this.vertx = vertx;
    ChannelGrpcVerticle grpc = new ChannelGrpcVerticle();
    DeploymentOptions options = new DeploymentOptions().setConfig(serverConfig());
    await(vertx.deployVerticle(new ChannelVerticle(), options).compose(id -> vertx.deployVerticle(grpc, options)));
    port = grpc.actualPort();
    transport = newTransport();
    stub = ChannelServiceGrpc.newBlockingStub(transport);
  }

  @AfterEach
  protected void closeTransports() {
    transports.forEach(ManagedChannel::shutdownNow);
  }

  /** @return a new client connection to the server (closed after the test) */
  protected ManagedChannel newTransport() {
    ManagedChannel t = NettyChannelBuilder.forAddress("127.0.0.1", port)
      .usePlaintext()
      .maxInboundMessageSize(clientMaxInbound())
      .build();
    transports.add(t);
    return t;
  }

  protected String create(ChannelKind kind, long maxSize) {
    return stub.create(CreateRequest.newBuilder().setKind(kind).setMaxSize(maxSize).build()).getInfo().getId();
  }

  /** @return a raw Stream call on this test's transport */
  protected RawStream rawStream() {
    return new RawStream(transport);
  }

  /** Waits for a future from the test thread (bounded). */
  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
