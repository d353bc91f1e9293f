package io.github.vertxchannels.grpc;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.ReceiveStatus;
import io.github.vertxchannels.grpc.v1.Send;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResponse;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.SendResults;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.github.vertxchannels.grpc.v1.TryReceiveRequest;
import io.github.vertxchannels.testing.RawStream;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * max_pending_bytes_per_connection: the bytes of one connection's sends waiting in the server
 * (blocking sends on a full channel hold their payloads outside max_size) are bounded; more is
 * refused with RESOURCE_EXHAUSTED (unary) or SEND_RESULT_LIMIT (Stream), losing nothing, and
 * other connections keep their own budget.
 */
class ConnectionLimitsTest extends GrpcTestBase {

  private static final Metadata.Key<String> ERROR = Metadata.Key.of("vertx-channels-error", Metadata.ASCII_STRING_MARSHALLER);

  @Override
  protected JsonObject serverConfig() {
    return super.serverConfig().put("max_pending_bytes_per_connection", 1000);
  }

  private static SendRequest send(String id, int size, boolean wait) {
    return SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFrom(new byte[size]))
      .setWait(wait).setTimeoutMs(-1).build();
  }

  private void awaitWaitingSenders(String id, int n) throws InterruptedException {
    for (int i = 0; i < 1000; i++) {
      if (stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getWaitingSenders() == n) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("never " + n + " waiting senders");
  }

  @Test
  void sends_waiting_beyond_the_connections_budget_are_refused_and_nothing_is_lost() throws Exception {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 800);
    assertEquals(SendResult.SEND_RESULT_OK, stub.send(send(id, 800, false)).getResult());

    // 600 bytes wait for room: they count against this connection's 1000 bytes.
    ListenableFuture<SendResponse> waiting = ChannelServiceGrpc.newFutureStub(transport).send(send(id, 600, true));
    awaitWaitingSenders(id, 1);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.send(send(id, 600, true)));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals("limit", e.getTrailers().get(ERROR));
    assertTrue(e.getStatus().getDescription().contains("max_pending_bytes_per_connection (1000)"), e.getStatus().getDescription());

    // The same budget covers Stream Send frames: the whole frame is refused, in frame order.
    RawStream stream = new RawStream(transport).open(id, 0, 0);
    stream.send(ClientFrame.newBuilder().setSend(Send.newBuilder().setFirstSeq(1)
      .addPayloads(ByteString.copyFrom(new byte[300])).addPayloads(ByteString.copyFrom(new byte[300]))
      .setWait(true).setTimeoutMs(-1)).build());
    SendResults refused = stream.nextFrame().getSendResults();
    assertEquals(List.of(SendResult.SEND_RESULT_LIMIT, SendResult.SEND_RESULT_LIMIT), refused.getResultsList());
    assertTrue(refused.getDetail().contains("max_pending_bytes_per_connection"), refused.getDetail());

    // Another connection has its own budget: its send is judged by the channel alone (busy).
    ChannelServiceGrpc.ChannelServiceBlockingStub other = ChannelServiceGrpc.newBlockingStub(newTransport());
    assertEquals(SendResult.SEND_RESULT_BUSY, other.send(send(id, 600, false)).getResult());

    // Nothing refused was enqueued, nothing accepted was lost: room lets the waiting send in.
    assertEquals(1, stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getMessages());
    assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build()).getStatus());
    assertEquals(SendResult.SEND_RESULT_OK, waiting.get(10, TimeUnit.SECONDS).getResult());
    assertEquals(600, stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build()).getPayload().size());

    // The answered send gave its bytes back: the stream (still open) may send again.
    stream.send(ClientFrame.newBuilder().setSend(Send.newBuilder().setFirstSeq(3)
      .addPayloads(ByteString.copyFrom(new byte[300])).addPayloads(ByteString.copyFrom(new byte[300]))
      .setWait(true).setTimeoutMs(-1)).build());
    ServerFrame accepted = stream.nextFrame();
    assertEquals(List.of(SendResult.SEND_RESULT_OK, SendResult.SEND_RESULT_OK), accepted.getSendResults().getResultsList());
    assertEquals(600, stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getSize());
  }

  @Test
  void one_send_larger_than_the_budget_goes_through_when_nothing_else_waits() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    assertEquals(SendResult.SEND_RESULT_OK, stub.send(send(id, 5000, true)).getResult());
  }
}
