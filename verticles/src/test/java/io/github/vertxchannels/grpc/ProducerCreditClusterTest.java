package io.github.vertxchannels.grpc;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.SendResults;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.github.vertxchannels.grpc.v1.TryReceiveRequest;
import io.github.vertxchannels.impl.EventBusChannels;
import io.github.vertxchannels.impl.cluster.ClusterSetup;
import io.github.vertxchannels.testing.GrpcServerTestBase;
import io.github.vertxchannels.testing.RawStream;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Producer credit across a cluster (S-EXT-RESERVE): the channel is owned by node A, the producer's
 * Stream is served by node B's gRPC server; the reservation lives at A and its grants reach B's
 * session over the clustered event bus.
 */
class ProducerCreditClusterTest {

  private final List<Vertx> nodes = new ArrayList<>();
  private ManagedChannel transport;

  @AfterEach
  void stop() {
    if (transport != null) {
      transport.shutdownNow();
    }
    for (Vertx v : nodes) {
      GrpcServerTestBase.await(v.close());
    }
  }

  private Vertx node(JsonObject config) {
    ClusterSetup setup = new ClusterSetup(config);
    HazelcastClusterManager manager = setup.clusterManager();
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setHost(setup.eventBusHost()).setPort(0);
    Vertx vertx = GrpcServerTestBase.await(Vertx.builder().with(options).withClusterManager(manager).buildClustered());
    ClusterSetup.watchOwners(vertx, manager);
    nodes.add(vertx);
    return vertx;
  }

  @Test
  @DisplayName("S-EXT-RESERVE across nodes: grants, reserved sends and others' busy, with the owner on another node")
  void reservation_across_nodes() throws Exception {
    JsonObject config = new JsonObject().put("cluster", new JsonObject()
      .put("name", "reserve-" + UUID.randomUUID()).put("port", freePort()));
    Vertx a = node(config);
    GrpcServerTestBase.await(a.deployVerticle(new ChannelVerticle()));
    Vertx b = node(config);
    DeploymentOptions grpcConfig = new DeploymentOptions().setConfig(new JsonObject().put("port", 0));
    ChannelGrpcVerticle grpc = new ChannelGrpcVerticle();
    GrpcServerTestBase.await(b.deployVerticle(new ChannelVerticle(), grpcConfig).compose(id -> b.deployVerticle(grpc, grpcConfig)));

    String id = GrpcServerTestBase.await(new EventBusChannels(a).create(ChannelKind.BYTES, 1000)).id();
    transport = NettyChannelBuilder.forAddress("127.0.0.1", grpc.actualPort()).usePlaintext().build();
    ChannelServiceGrpc.ChannelServiceBlockingStub stub = ChannelServiceGrpc.newBlockingStub(transport);

    RawStream producer = new RawStream(transport);
    producer.send(ClientFrame.newBuilder().setOpen(OpenStream.newBuilder().setChannelId(id)
      .setReserveBytes(1000).setReserveMessages(10)).build());
    assertEquals(ServerFrame.FrameCase.OPENED, producer.nextFrame().getFrameCase());
    ProducerCreditTest.assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 1000, 10, true);
    assertEquals(1000, stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getReservedBytes());
    assertEquals(SendResult.SEND_RESULT_BUSY, stub.send(SendRequest.newBuilder().setChannelId(id)
      .setPayload(ByteString.copyFrom(new byte[1])).build()).getResult());

    producer.send(ProducerCreditTest.reservedSend(1, 10, 100));
    SendResults results = producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
    assertTrue(results.getResultsList().stream().allMatch(r -> r == SendResult.SEND_RESULT_OK), results.toString());
    // Draining at the owner tops the reservation up, pushed to node B's session.
    for (int i = 0; i < 5; i++) {
      stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build());
    }
    ProducerCreditTest.assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 500, 10, false);
    producer.cancel();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
