package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpcService;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.InfoResponse;
import io.github.vertxchannels.testing.GrpcServerTestBase;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15.2: no {@link Throwable} escapes a unary handler. An {@link OutOfMemoryError} (e.g.
 * copying a large payload) or any other error thrown by a call's logic is answered with a status
 * and a message, instead of leaving the call unanswered until the client's deadline.
 */
@ExtendWith(VertxExtension.class)
class HandlerFailureTest {

  private HttpServer server;
  private ManagedChannel transport;

  private ChannelServiceGrpc.ChannelServiceBlockingStub serve(Vertx vertx, Function<InfoRequest, Future<InfoResponse>> logic) {
    GrpcServer grpc = GrpcServer.server(vertx);
    UnaryCalls.unary(grpc, ChannelServiceGrpcService.Info, logic, 1 << 20);
    server = GrpcServerTestBase.await(vertx.createHttpServer().requestHandler(grpc).listen(0, "127.0.0.1"));
    transport = NettyChannelBuilder.forAddress("127.0.0.1", server.actualPort()).usePlaintext().build();
    // A deadline only so that a regression fails instead of hanging: the answer comes at once.
    return ChannelServiceGrpc.newBlockingStub(transport).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() {
    if (transport != null) {
      transport.shutdownNow();
    }
  }

  @Test
  void outOfMemoryIsResourceExhaustedWithAMessage(Vertx vertx) {
    var stub = serve(vertx, req -> {
      throw new OutOfMemoryError("Java heap space");
    });
    Status s = assertThrows(StatusRuntimeException.class, () -> stub.info(InfoRequest.getDefaultInstance())).getStatus();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("out of memory"), s.toString());
  }

  @Test
  void anErrorIsInternalWithAMessage(Vertx vertx) {
    var stub = serve(vertx, req -> {
      throw new StackOverflowError();
    });
    Status s = assertThrows(StatusRuntimeException.class, () -> stub.info(InfoRequest.getDefaultInstance())).getStatus();
    assertEquals(Status.Code.INTERNAL, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("StackOverflowError"), s.toString());
  }

  @Test
  void anErrorInTheFutureIsAnsweredToo(Vertx vertx) {
    var stub = serve(vertx, req -> Future.failedFuture(new OutOfMemoryError("Direct buffer memory")));
    Status s = assertThrows(StatusRuntimeException.class, () -> stub.info(InfoRequest.getDefaultInstance())).getStatus();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
  }
}
