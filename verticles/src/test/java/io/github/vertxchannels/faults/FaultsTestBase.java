package io.github.vertxchannels.faults;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.grpc.ChannelGrpcVerticle;
import io.github.vertxchannels.grpc.ChannelServerOptions;
import io.github.vertxchannels.grpc.v1.ChannelInfo;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.CreateRequest;
import io.github.vertxchannels.grpc.v1.Credit;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.Send;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.github.vertxchannels.testing.RawStream;
import io.grpc.ManagedChannel;
import io.grpc.Status;
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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real server (channel verticle + gRPC verticle) on an ephemeral loopback port, real grpc-java
 * clients, and the helpers the fault tests share: raw Stream calls, and a check that a channel
 * still holds exactly what it held.
 */
@ExtendWith(VertxExtension.class)
abstract class FaultsTestBase {

  static final long MANY = 1L << 40;

  protected Vertx vertx;
  protected int port;
  protected ManagedChannel transport;
  protected ChannelServiceGrpc.ChannelServiceBlockingStub stub;
  private final List<ManagedChannel> transports = new ArrayList<>();

  /** Server config for this test class. */
  protected JsonObject serverConfig() {
    return new JsonObject().put("port", 0).put("keepalive_interval_ms", 500);
  }

  /** The largest gRPC message the test clients accept. */
  protected int clientMaxInbound() {
    return ChannelServerOptions.DEFAULT_MAX_MESSAGE_SIZE + ChannelServerOptions.FRAMING_HEADROOM;
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
      .maxInboundMessageSize(clientMaxInbound())
      .build();
    transports.add(t);
    return t;
  }

  protected String create(ChannelKind kind, long maxSize) {
    return stub.create(CreateRequest.newBuilder().setKind(kind).setMaxSize(maxSize).build()).getInfo().getId();
  }

  protected ChannelInfo info(String id) {
    return stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo();
  }

  protected SendResult send(String id, byte[] payload) {
    return stub.withDeadlineAfter(20, TimeUnit.SECONDS)
      .send(SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFrom(payload)).build()).getResult();
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Waits (bounded) until the channel holds exactly {@code messages} messages of {@code size}
   * bytes: after a misbehaving stream ended, what was pushed to it returns to the channel.
   */
  protected void awaitHolds(String id, long size, long messages, String why) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    ChannelInfo last = info(id);
    while (last.getSize() != size || last.getMessages() != messages) {
      if (System.nanoTime() > deadline) {
        fail(why + ": the channel should hold " + messages + " messages / " + size + " bytes, it holds "
          + last.getMessages() + " / " + last.getSize());
      }
      sleep(20);
      last = info(id);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static ClientFrame credit(long messages, long bytes) {
    return ClientFrame.newBuilder().setCredit(Credit.newBuilder().setMessages((int) messages).setBytes(bytes)).build();
  }

  static ClientFrame sendFrame(long firstSeq, List<byte[]> payloads) {
    Send.Builder s = Send.newBuilder().setFirstSeq(firstSeq);
    payloads.forEach(p -> s.addPayloads(ByteString.copyFrom(p)));
    return ClientFrame.newBuilder().setSend(s).build();
  }

  static ClientFrame openFrame(String channelId, int credit, long creditBytes) {
    return ClientFrame.newBuilder().setOpen(OpenStream.newBuilder().setChannelId(channelId)
      .setInitialCreditMessages(credit).setInitialCreditBytes(creditBytes)).build();
  }

  /** @return a raw Stream call on this test's transport */
  protected RawStream rawStream() {
    return new RawStream(transport);
  }
}
