package io.github.vertxchannels.grpc;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.impl.cluster.ClusterSetup;
import io.github.vertxchannels.impl.health.ClusterHealth;
import io.github.vertxchannels.impl.health.ServingState;
import io.github.vertxchannels.testing.GrpcServerTestBase;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Server reflection (v1 and v1alpha, as grpcurl uses them) and the health service wired to the
 * server's state, against the real server with grpc-java's own stubs.
 */
class HealthReflectionTest extends GrpcServerTestBase {

  private static final String CHANNEL_SERVICE = "vertx.channels.v1.ChannelService";

  // ---------------------------------------------------------------------------------- reflection

  @Test
  void reflection_v1_lists_and_describes_the_channel_service() throws Exception {
    List<io.grpc.reflection.v1.ServerReflectionResponse> answers = reflectV1(List.of(
      io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build(),
      io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setFileContainingSymbol(CHANNEL_SERVICE).build(),
      io.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
        .setFileByFilename("vertx/channels/v1/channels.proto").build()));
    // Several requests on one stream, one answer each (as grpcurl asks).
    assertEquals(3, answers.size());
    List<String> names = answers.get(0).getListServicesResponse().getServiceList().stream()
      .map(io.grpc.reflection.v1.ServiceResponse::getName).toList();
    assertTrue(names.containsAll(List.of(CHANNEL_SERVICE, "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection")), names.toString());
    assertDescribesChannelService(answers.get(1).getFileDescriptorResponse().getFileDescriptorProtoList());
    assertDescribesChannelService(answers.get(2).getFileDescriptorResponse().getFileDescriptorProtoList());
  }

  @Test
  void reflection_v1alpha_lists_and_describes_the_channel_service() throws Exception {
    List<io.grpc.reflection.v1alpha.ServerReflectionResponse> answers = reflectV1alpha(List.of(
      io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("*").build(),
      io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setFileContainingSymbol(CHANNEL_SERVICE).build(),
      io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
        .setFileContainingSymbol("vertx.channels.v1.ChannelService.Stream").build(),
      io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setFileContainingSymbol("no.such.Symbol").build()));
    List<String> names = answers.get(0).getListServicesResponse().getServiceList().stream()
      .map(io.grpc.reflection.v1alpha.ServiceResponse::getName).toList();
    assertTrue(names.containsAll(List.of(CHANNEL_SERVICE, "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection")), names.toString());
    assertDescribesChannelService(answers.get(1).getFileDescriptorResponse().getFileDescriptorProtoList());
    assertDescribesChannelService(answers.get(2).getFileDescriptorResponse().getFileDescriptorProtoList());
    assertEquals(Status.Code.NOT_FOUND.value(), answers.get(3).getErrorResponse().getErrorCode());
  }

  private static void assertDescribesChannelService(List<com.google.protobuf.ByteString> files) throws Exception {
    assertFalse(files.isEmpty(), "a file descriptor");
    FileDescriptorProto file = FileDescriptorProto.parseFrom(files.get(0));
    assertEquals("vertx.channels.v1", file.getPackage());
    List<String> services = file.getServiceList().stream().map(ServiceDescriptorProto::getName).toList();
    assertTrue(services.contains("ChannelService"), services.toString());
    ServiceDescriptorProto svc = file.getServiceList().stream().filter(s -> s.getName().equals("ChannelService")).findFirst().orElseThrow();
    assertTrue(svc.getMethodList().stream().anyMatch(m -> m.getName().equals("Stream")), "the Stream method is described");
  }

  private List<io.grpc.reflection.v1.ServerReflectionResponse> reflectV1(
      List<io.grpc.reflection.v1.ServerReflectionRequest> requests) throws Exception {
    Collector<io.grpc.reflection.v1.ServerReflectionResponse> answers = new Collector<>();
    StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> out =
      io.grpc.reflection.v1.ServerReflectionGrpc.newStub(transport).serverReflectionInfo(answers);
    requests.forEach(out::onNext);
    out.onCompleted();
    return answers.done.get(20, TimeUnit.SECONDS);
  }

  private List<io.grpc.reflection.v1alpha.ServerReflectionResponse> reflectV1alpha(
      List<io.grpc.reflection.v1alpha.ServerReflectionRequest> requests) throws Exception {
    Collector<io.grpc.reflection.v1alpha.ServerReflectionResponse> answers = new Collector<>();
    StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> out =
      io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(transport).serverReflectionInfo(answers);
    requests.forEach(out::onNext);
    out.onCompleted();
    return answers.done.get(20, TimeUnit.SECONDS);
  }

  private static final class Collector<T> implements StreamObserver<T> {
    final List<T> items = new ArrayList<>();
    final CompletableFuture<List<T>> done = new CompletableFuture<>();

    @Override
    public synchronized void onNext(T value) {
      items.add(value);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public synchronized void onCompleted() {
      done.complete(items);
    }
  }

  // -------------------------------------------------------------------------------------- health

  private static HealthCheckRequest service(String name) {
    return HealthCheckRequest.newBuilder().setService(name).build();
  }

  @Test
  void a_node_that_has_not_started_its_grpc_endpoint_is_not_serving() {
    Vertx fresh = Vertx.vertx();
    try {
      assertFalse(ServingState.of(fresh).snapshot().serving());
      assertEquals("starting", ServingState.of(fresh).snapshot().reason());
    } finally {
      await(fresh.close());
    }
  }

  @Test
  void check_reports_serving_for_the_server_and_the_channel_service_and_not_found_for_others() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(transport);
    assertEquals(ServingStatus.SERVING, health.check(service("")).getStatus());
    assertEquals(ServingStatus.SERVING, health.check(service(CHANNEL_SERVICE)).getStatus());
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
      () -> health.check(service("no.such.Service")));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    ServingState.of(vertx).clusterLost(true);
    assertEquals(ServingStatus.NOT_SERVING, health.check(service("")).getStatus());
    assertEquals(ServingStatus.NOT_SERVING, health.check(service(CHANNEL_SERVICE)).getStatus());
    ServingState.of(vertx).clusterLost(false);
    assertEquals(ServingStatus.SERVING, health.check(service("")).getStatus());
  }

  @Test
  void watch_follows_cluster_loss_and_ends_not_serving_when_the_server_drains() throws Exception {
    Watch all = new Watch(transport, "");
    Watch channels = new Watch(transport, CHANNEL_SERVICE);
    Watch unknown = new Watch(transport, "no.such.Service");
    assertEquals(ServingStatus.SERVICE_UNKNOWN, unknown.next());
    assertEquals(ServingStatus.SERVING, all.next());
    assertEquals(ServingStatus.SERVING, channels.next());
    ServingState.of(vertx).clusterLost(true);
    assertEquals(ServingStatus.NOT_SERVING, all.next());
    assertEquals(ServingStatus.NOT_SERVING, channels.next());
    ServingState.of(vertx).clusterLost(false);
    assertEquals(ServingStatus.SERVING, all.next());
    assertEquals(ServingStatus.SERVING, channels.next());
    // SIGTERM undeploys the verticles: the gRPC verticle's stop is the drain.
    for (String id : vertx.deploymentIDs()) {
      await(vertx.undeploy(id));
    }
    assertEquals(ServingStatus.NOT_SERVING, all.next());
    assertEquals(ServingStatus.NOT_SERVING, channels.next());
    assertEquals(Status.Code.UNAVAILABLE, all.end.get(20, TimeUnit.SECONDS).getCode());
    assertEquals(Status.Code.UNAVAILABLE, channels.end.get(20, TimeUnit.SECONDS).getCode());
    assertEquals(Status.Code.UNAVAILABLE, unknown.end.get(20, TimeUnit.SECONDS).getCode(), "no Watch holds the shutdown up");
  }

  @Test
  void a_clustered_node_turns_not_serving_when_it_loses_its_cluster_membership() throws Exception {
    JsonObject config = new JsonObject().put("port", 0)
      .put("cluster", new JsonObject().put("name", "health-test-" + UUID.randomUUID()));
    HazelcastClusterManager manager = new ClusterSetup(config).clusterManager();
    Vertx clustered = await(Vertx.builder().withClusterManager(manager).buildClustered());
    try {
      ClusterHealth.watch(clustered, manager);
      ChannelGrpcVerticle grpc = new ChannelGrpcVerticle();
      DeploymentOptions options = new DeploymentOptions().setConfig(config);
      await(clustered.deployVerticle(new ChannelVerticle(), options).compose(id -> clustered.deployVerticle(grpc, options)));
      ManagedChannel t = NettyChannelBuilder.forAddress("127.0.0.1", grpc.actualPort()).usePlaintext().build();
      try {
        Watch watch = new Watch(t, "");
        assertEquals(ServingStatus.SERVING, watch.next());
        // What a member cut from its cluster goes through: Hazelcast shuts the instance down.
        manager.getHazelcastInstance().getLifecycleService().terminate();
        assertEquals(ServingStatus.NOT_SERVING, watch.next());
        assertEquals(ServingStatus.NOT_SERVING,
          HealthGrpc.newBlockingStub(t).check(service(CHANNEL_SERVICE)).getStatus());
      } finally {
        t.shutdownNow();
      }
    } finally {
      clustered.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** A Watch call: statuses as they come, and how the stream ended. */
  private static final class Watch implements StreamObserver<HealthCheckResponse> {
    final BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> end = new CompletableFuture<>();

    Watch(ManagedChannel transport, String service) {
      HealthGrpc.newStub(transport).watch(service(service), this);
    }

    ServingStatus next() throws InterruptedException {
      ServingStatus s = statuses.poll(20, TimeUnit.SECONDS);
      if (s == null) {
        throw new AssertionError("no health status within 20 s");
      }
      return s;
    }

    @Override
    public void onNext(HealthCheckResponse value) {
      statuses.add(value.getStatus());
    }

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }
  }
}
