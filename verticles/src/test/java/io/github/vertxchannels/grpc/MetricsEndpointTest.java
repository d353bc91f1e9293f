package io.github.vertxchannels.grpc;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.CreateRequest;
import io.github.vertxchannels.grpc.v1.ReceiveRequest;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.TryReceiveRequest;
import io.github.vertxchannels.impl.metrics.MetricsOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.github.vertxchannels.testing.GrpcServerTestBase.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /metrics after real traffic: every series is there and moves the way the traffic says. */
@ExtendWith(VertxExtension.class)
class MetricsEndpointTest {

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)$");

  private static Map<String, Double> scrape(int port) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).GET().build(),
      HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
    Map<String, Double> samples = new HashMap<>();
    for (String line : r.body().split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.matches()) {
        samples.put(m.group(1), Double.parseDouble(m.group(2)));
      }
    }
    return samples;
  }

  private static double value(Map<String, Double> samples, String series) {
    Double v = samples.get(series);
    if (v == null) {
      throw new AssertionError("no series " + series + " in " + samples.keySet().stream().filter(k -> k.startsWith("vertx_channels")).toList());
    }
    return v;
  }

  @Test
  void the_channel_series_exist_and_move_with_traffic(Vertx vertx) throws Exception {
    JsonObject config = new JsonObject().put("port", 0).put("max_channels_per_connection", 2)
      .put("auth_tokens", new JsonArray().add("metrics-test-token-0123456789"))
      .put("metrics", new JsonObject().put("enabled", true).put("port", 0));
    ChannelGrpcVerticle grpc = new ChannelGrpcVerticle();
    DeploymentOptions options = new DeploymentOptions().setConfig(config);
    await(vertx.deployVerticle(new ChannelVerticle(), options).compose(id -> vertx.deployVerticle(grpc, options)));
    int metricsPort = grpc.metricsPort();
    assertTrue(metricsPort > 0, "the metrics endpoint listens");

    Map<String, Double> before = scrape(metricsPort);
    ManagedChannel t = NettyChannelBuilder.forAddress("127.0.0.1", grpc.actualPort()).usePlaintext().build();
    try {
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer metrics-test-token-0123456789");
      ChannelServiceGrpc.ChannelServiceBlockingStub stub = ChannelServiceGrpc.newBlockingStub(t)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      String id = stub.create(CreateRequest.newBuilder().setKind(ChannelKind.CHANNEL_KIND_BYTES).build()).getInfo().getId();
      for (int i = 0; i < 3; i++) {
        stub.send(SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFromUtf8("m" + i)).build());
      }
      stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build());
      // A receiver left waiting on an empty channel, seen by the gauge.
      String empty = stub.create(CreateRequest.newBuilder().setKind(ChannelKind.CHANNEL_KIND_BYTES).build()).getInfo().getId();
      CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
        try {
          stub.receive(ReceiveRequest.newBuilder().setChannelId(empty).setTimeoutMs(20_000).build());
        } catch (StatusRuntimeException ignored) {
          // the channel is closed at the end of the test
        }
      });
      // Refusals: a limit (the third channel of this connection), an invalid request, a missing token.
      StatusRuntimeException limit = assertThrows(StatusRuntimeException.class,
        () -> stub.create(CreateRequest.newBuilder().setKind(ChannelKind.CHANNEL_KIND_BYTES).build()));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, limit.getStatus().getCode());
      ManagedChannel t2 = NettyChannelBuilder.forAddress("127.0.0.1", grpc.actualPort()).usePlaintext().build();
      try {
        ChannelServiceGrpc.ChannelServiceBlockingStub stub2 = ChannelServiceGrpc.newBlockingStub(t2)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        StatusRuntimeException invalid = assertThrows(StatusRuntimeException.class,
          () -> stub2.create(CreateRequest.newBuilder().build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());
      } finally {
        t2.shutdownNow();
      }
      StatusRuntimeException auth = assertThrows(StatusRuntimeException.class,
        () -> ChannelServiceGrpc.newBlockingStub(t).create(CreateRequest.newBuilder().setKind(ChannelKind.CHANNEL_KIND_BYTES).build()));
      assertEquals(Status.Code.UNAUTHENTICATED, auth.getStatus().getCode());

      Map<String, Double> after = awaitWaitingReceiver(metricsPort);
      assertEquals(3, value(after, "vertx_channels_sends_total") - value(before, "vertx_channels_sends_total"));
      assertEquals(1, value(after, "vertx_channels_receives_total") - value(before, "vertx_channels_receives_total"));
      assertEquals(2, value(after, "vertx_channels_channels"));
      assertEquals(4, value(after, "vertx_channels_queued_bytes"), "m1 and m2 wait, 2 bytes each");
      assertEquals(4 + 2 * 128, value(after, "vertx_channels_memory_held_bytes"), "S-EXT-MEMORY: payloads plus overhead");
      assertEquals(1, value(after, "vertx_channels_waiting_receivers"));
      assertEquals(0, value(after, "vertx_channels_waiting_senders"));
      value(after, "vertx_channels_redeliveries_total");
      for (String reason : new String[] {"auth", "limit", "invalid"}) {
        String series = "vertx_channels_rejected_calls_total{reason=\"" + reason + "\"}";
        assertEquals(1, value(after, series) - value(before, series), series);
      }
      assertTrue(value(after, "vertx_channels_grpc_connections") >= 1);
      assertTrue(value(after, "vertx_channels_grpc_connections_opened_total") - value(before, "vertx_channels_grpc_connections_opened_total") >= 2);
      assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes")), "JVM meters too");
      stub.close(io.github.vertxchannels.grpc.v1.CloseRequest.newBuilder().setChannelId(empty).build());
      waiting.get(20, TimeUnit.SECONDS);
    } finally {
      t.shutdownNow();
    }
  }

  /** Scrapes until the waiting receive has reached its channel (it is sent from another thread). */
  private static Map<String, Double> awaitWaitingReceiver(int port) throws Exception {
    Map<String, Double> s = scrape(port);
    for (int i = 0; i < 200 && value(s, "vertx_channels_waiting_receivers") < 1; i++) {
      Thread.sleep(50);
      s = scrape(port);
    }
    return s;
  }

  @Test
  void metrics_are_off_unless_enabled_and_bad_options_say_what_is_wrong() {
    assertFalse(MetricsOptions.fromConfig(new JsonObject()).enabled());
    MetricsOptions on = MetricsOptions.fromConfig(new JsonObject().put("metrics", new JsonObject().put("enabled", true)));
    assertEquals("127.0.0.1", on.host());
    assertEquals(MetricsOptions.DEFAULT_PORT, on.port());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
      () -> MetricsOptions.fromConfig(new JsonObject().put("metrics", new JsonObject().put("port", 70000))));
    assertTrue(e.getMessage().contains("metrics.port"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
      () -> MetricsOptions.fromConfig(new JsonObject().put("metrics", new JsonObject().put("enable", true))));
    assertTrue(e.getMessage().contains("metrics.enable"), e.getMessage());
  }
}
