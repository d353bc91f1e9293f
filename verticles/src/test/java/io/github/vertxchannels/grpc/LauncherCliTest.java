package io.github.vertxchannels.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's own command line: --help and a -conf that does not exist or is not JSON; and
 * health as a process supervisor sees it on SIGTERM.
 */
class LauncherCliTest {

  @Test
  void sigterm_turns_health_not_serving_before_the_server_stops() throws Exception {
    int port = LauncherTest.freePort();
    Process p = LauncherTest.launch("--port", Integer.toString(port));
    try {
      LauncherTest.awaitLine(p, "gRPC server listening on");
      ManagedChannel t = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
        CompletableFuture<Status> end = new CompletableFuture<>();
        HealthGrpc.newStub(t).watch(HealthCheckRequest.newBuilder().setService("").build(), new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse value) {
            statuses.add(value.getStatus());
          }

          @Override
          public void onError(Throwable e) {
            end.complete(Status.fromThrowable(e));
          }

          @Override
          public void onCompleted() {
            end.complete(Status.OK);
          }
        });
        assertEquals(ServingStatus.SERVING, statuses.poll(30, TimeUnit.SECONDS));
        p.destroy(); // SIGTERM
        assertEquals(ServingStatus.NOT_SERVING, statuses.poll(30, TimeUnit.SECONDS));
        assertEquals(Status.Code.UNAVAILABLE, end.get(30, TimeUnit.SECONDS).getCode());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the server stops");
      } finally {
        t.shutdownNow();
      }
    } finally {
      p.destroyForcibly();
    }
  }

  private static String run(Process p) throws Exception {
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher exits");
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void help_lists_our_options_one_line_each_and_exits_0() throws Exception {
    Process p = LauncherTest.launch("--help");
    String out = run(p);
    assertEquals(0, p.exitValue(), out);
    for (String option : List.of("--host HOST", "--port PORT", "-conf FILE|JSON", "--cluster")) {
      assertEquals(1, out.lines().filter(l -> l.trim().startsWith(option)).count(), option + " once in:\n" + out);
    }
  }

  @Test
  void a_missing_conf_file_is_a_clear_error_without_a_stack_trace() throws Exception {
    Process p = LauncherTest.launch("-conf", "/no/such/dir/vertx-channels.json");
    String out = run(p);
    assertNotEquals(0, p.exitValue(), out);
    assertTrue(out.contains("-conf /no/such/dir/vertx-channels.json: no such file"), out);
    assertFalse(out.contains("Exception") || out.contains("\tat "), "no stack trace:\n" + out);
  }

  @Test
  void a_conf_that_is_not_json_is_a_clear_error() throws Exception {
    Process p = LauncherTest.launch("-conf", "{not json");
    String out = run(p);
    assertNotEquals(0, p.exitValue(), out);
    assertTrue(out.contains("not a JSON object"), out);
    assertFalse(out.contains("\tat "), "no stack trace:\n" + out);
  }
}
