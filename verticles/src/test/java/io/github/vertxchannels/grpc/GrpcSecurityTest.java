package io.github.vertxchannels.grpc;

import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.CreateRequest;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static io.github.vertxchannels.grpc.GrpcTestBase.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS with a certificate made at test time, bearer-token authentication, per-connection limits. */
@ExtendWith(VertxExtension.class)
class GrpcSecurityTest {

  private static final String TOKEN = "s3cret-token-0123456789";
  private final List<ManagedChannel> transports = new ArrayList<>();

  @AfterEach
  void close() {
    transports.forEach(ManagedChannel::shutdownNow);
  }

  private int start(Vertx vertx, JsonObject config) {
    ChannelGrpcVerticle grpc = new ChannelGrpcVerticle();
    DeploymentOptions options = new DeploymentOptions().setConfig(config.put("port", 0));
    await(vertx.deployVerticle(new ChannelVerticle(), options).compose(id -> vertx.deployVerticle(grpc, options)));
    return grpc.actualPort();
  }

  private ChannelServiceGrpc.ChannelServiceBlockingStub stub(ManagedChannel transport, String token) {
    transports.add(transport);
    ChannelServiceGrpc.ChannelServiceBlockingStub stub = ChannelServiceGrpc.newBlockingStub(transport);
    if (token != null) {
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return stub;
  }

  private static CreateRequest bytes() {
    return CreateRequest.newBuilder().setKind(ChannelKind.CHANNEL_KIND_BYTES).build();
  }

  @Test
  void tls_with_a_self_signed_certificate_and_a_bearer_token(Vertx vertx) throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    int port = start(vertx, new JsonObject()
      .put("tls", new JsonObject().put("cert", cert.certificatePath()).put("key", cert.privateKeyPath()))
      .put("auth_tokens", new JsonArray().add(TOKEN)));
    ManagedChannel tls = NettyChannelBuilder.forAddress("127.0.0.1", port)
      .overrideAuthority("localhost")
      .sslContext(GrpcSslContexts.forClient().trustManager(new File(cert.certificatePath())).build())
      .build();
    String id = stub(tls, TOKEN).create(bytes()).getInfo().getId();
    assertEquals(id, stub(tls, TOKEN).info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getId());

    StatusRuntimeException noToken = assertThrows(StatusRuntimeException.class, () -> stub(tls, null).create(bytes()));
    assertEquals(Status.Code.UNAUTHENTICATED, noToken.getStatus().getCode());
    assertTrue(noToken.getStatus().getDescription().contains("bearer token"));
    assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
      () -> stub(tls, "wrong-token-0123456789").info(InfoRequest.newBuilder().setChannelId(id).build())).getStatus().getCode());

    ManagedChannel plaintext = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    assertEquals(Status.Code.UNAVAILABLE, assertThrows(StatusRuntimeException.class,
      () -> stub(plaintext, TOKEN).create(bytes())).getStatus().getCode(), "plaintext is refused by a TLS server");
  }

  @Test
  void an_unknown_id_is_not_found_whether_it_never_existed_or_is_someone_elses(Vertx vertx) {
    int port = start(vertx, new JsonObject());
    ManagedChannel t = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    String real = stub(t, null).create(bytes()).getInfo().getId();
    String sameOwnerGuess = real.substring(0, real.indexOf('.') + 1) + "A".repeat(22);
    for (String id : List.of(sameOwnerGuess, "nobody.AAAAAAAAAAAAAAAAAAAAAA", "garbage")) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub(t, null).info(InfoRequest.newBuilder().setChannelId(id).build()));
      assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
      assertEquals("no channel with id '" + id + "'", e.getStatus().getDescription(), "the same answer, revealing nothing");
    }
  }

  @Test
  void one_client_cannot_create_more_channels_than_its_limit_even_reconnecting(Vertx vertx) {
    int port = start(vertx, new JsonObject().put("max_channels_per_connection", 3));
    ManagedChannel a = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    for (int i = 0; i < 3; i++) {
      stub(a, null).create(bytes());
    }
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub(a, null).create(bytes()));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    // Issue 15.5: the budget is the client's (its IP address without auth), not the connection's.
    ManagedChannel b = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED,
      assertThrows(StatusRuntimeException.class, () -> stub(b, null).create(bytes())).getStatus().getCode());
  }
}
