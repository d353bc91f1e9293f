package io.github.vertxchannels.impl.grpc;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.ByteChannel;
import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.Channels;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.grpc.ChannelServerOptions;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpcService;
import io.github.vertxchannels.grpc.v1.Send;
import io.github.vertxchannels.testing.RawStream;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.function.Supplier;

import static io.github.vertxchannels.testing.GrpcServerTestBase.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15.2, the Stream side of {@link HandlerFailureTest}: a {@link Throwable} while a Stream
 * frame is served (an {@link OutOfMemoryError} copying a large Send frame, a bug) ends that call
 * with a status and a message, instead of leaving it unanswered until the client's deadline; the
 * channel and its other users are unaffected, and nothing of the failed frame was enqueued.
 * The failure is injected where a Send frame's payload is first accounted (the connection's
 * pending-bytes budget), on a real Stream over a real HTTP/2 connection.
 */
@ExtendWith(VertxExtension.class)
class StreamFailureTest {

  private ManagedChannel transport;

  @AfterEach
  void close() {
    if (transport != null) {
      transport.shutdownNow();
    }
  }

  private RawStream serveFailing(Vertx vertx, Supplier<Error> error) {
    ConnectionLimits failing = new ConnectionLimits(0, 0, 0) {
      @Override
      String reserveSends(HttpConnection connection, long bytes) {
        throw error.get();
      }
    };
    GrpcServer grpc = GrpcServer.server(vertx);
    ChannelServerOptions options = new ChannelServerOptions();
    grpc.callHandler(ChannelServiceGrpcService.Stream,
      call -> new StreamSession(vertx, options, failing, call, s -> { }).start());
    HttpServer server = await(vertx.createHttpServer().requestHandler(grpc).listen(0, "127.0.0.1"));
    transport = NettyChannelBuilder.forAddress("127.0.0.1", server.actualPort()).usePlaintext().build();
    return new RawStream(transport);
  }

  private static ClientFrame sendFrame(String payload) {
    return ClientFrame.newBuilder().setSend(Send.newBuilder().setFirstSeq(1)
      .addPayloads(ByteString.copyFromUtf8(payload))).build();
  }

  @Test
  void out_of_memory_serving_a_frame_ends_the_stream_resource_exhausted(Vertx vertx) {
    await(vertx.deployVerticle(new ChannelVerticle()));
    ByteChannel ch = await(Channels.create(vertx).newByteChannel(1 << 20));
    RawStream stream = serveFailing(vertx, () -> new OutOfMemoryError("Java heap space")).open(ch.id(), 0, 0);
    stream.send(sendFrame("lost?"));
    Status s = stream.status();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("out of memory"), s.toString());
    // Another user of the channel: nothing of the failed frame is in it, and it still works.
    assertEquals(0, await(ch.info()).messages());
    assertEquals(SendResult.OK, await(ch.send(Buffer.buffer("next"))));
    assertEquals("next", await(ch.tryReceive()).payload().toString());
  }

  @Test
  void any_other_error_ends_the_stream_internal_naming_it(Vertx vertx) {
    await(vertx.deployVerticle(new ChannelVerticle()));
    ByteChannel ch = await(Channels.create(vertx).newByteChannel(1 << 20));
    RawStream stream = serveFailing(vertx, StackOverflowError::new).open(ch.id(), 0, 0);
    stream.send(sendFrame("x"));
    Status s = stream.status();
    assertEquals(Status.Code.INTERNAL, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("StackOverflowError"), s.toString());
    assertEquals(0, await(ch.info()).messages());
  }
}
