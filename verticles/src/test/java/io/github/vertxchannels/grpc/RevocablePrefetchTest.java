package io.github.vertxchannels.grpc;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.grpc.v1.Ack;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.CloseRequest;
import io.github.vertxchannels.grpc.v1.ReceiveRequest;
import io.github.vertxchannels.grpc.v1.ReceiveResponse;
import io.github.vertxchannels.grpc.v1.ReceiveStatus;
import io.github.vertxchannels.grpc.v1.Release;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.github.vertxchannels.grpc.v1.TryReceiveRequest;
import io.github.vertxchannels.testing.RawStream;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Revocable streams (a client's prefetch for per-call receives, S-EXT-REVOKE): another receiver
 * is served only once the prefetch gave back what it did not hand out, so every receiver sees
 * channel order (S-RECV-4).
 */
class RevocablePrefetchTest extends GrpcTestBase {

  private static final long MANY = 1L << 40;

  private void sendNumbered(String id, int n) {
    for (int i = 0; i < n; i++) {
      stub.send(SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFrom(new byte[] {(byte) i})).build());
    }
  }

  private static int number(ReceiveResponse r) {
    assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, r.getStatus(), "a message: " + r);
    return r.getPayload().byteAt(0);
  }

  /** A blocking unary receive on its own connection, run in the background. */
  private CompletableFuture<ReceiveResponse> receiveElsewhere(String id) {
    ManagedChannel other = newTransport();
    ChannelServiceGrpc.ChannelServiceBlockingStub otherStub = ChannelServiceGrpc.newBlockingStub(other);
    return CompletableFuture.supplyAsync(() ->
      otherStub.receive(ReceiveRequest.newBuilder().setChannelId(id).setTimeoutMs(10_000).build()));
  }

  @Test
  void a_receive_from_another_connection_gets_the_oldest_message_after_the_prefetch_gave_back__S_EXT_REVOKE_S_RECV_4()
    throws Exception {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    sendNumbered(id, 10);
    RawStream prefetch = new RawStream(transport).openRevocable(id, 4, MANY);
    List<ByteString> pushed = prefetch.take(4); // 0..3 prefetched; the application took 0 and 1
    assertEquals(0, pushed.get(0).byteAt(0));

    CompletableFuture<ReceiveResponse> other = receiveElsewhere(id);
    prefetch.nextFrame(ServerFrame.FrameCase.REVOKE);
    // The other receive is not served while the prefetch holds older messages: 4 is queued, but
    // taking it now would put it before 2 and 3 in that receiver's view once they come back.
    assertFalse(other.isDone(), "served only after the prefetch answered the revoke");
    prefetch.send(ClientFrame.newBuilder().setAck(Ack.newBuilder().setUpToSeq(2)).build());
    prefetch.send(ClientFrame.newBuilder().setRelease(Release.getDefaultInstance()).build());
    assertEquals(2, number(other.get(10, TimeUnit.SECONDS)), "the oldest message, given back by the prefetch");
    ServerFrame released = prefetch.nextFrame(ServerFrame.FrameCase.RELEASED);
    assertEquals(2, released.getReleased().getReturned());
    for (int i = 3; i < 10; i++) {
      assertEquals(i, number(stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build())), "then in order");
    }
    prefetch.send(ClientFrame.newBuilder().setCredit(io.github.vertxchannels.grpc.v1.Credit.newBuilder().setMessages(1).setBytes(MANY)).build());
    prefetch.halfClose();
    assertEquals(Status.Code.OK, prefetch.status().getCode());
  }

  @Test
  void a_try_receive_waits_for_the_revoke_and_does_not_answer_empty_while_a_prefetch_holds_messages__S_EXT_REVOKE_S_RECV_1() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    sendNumbered(id, 3);
    RawStream prefetch = new RawStream(transport).openRevocable(id, 8, MANY);
    prefetch.take(3); // the channel's queue is empty now: everything sits in the prefetch
    ManagedChannel other = newTransport();
    CompletableFuture<ReceiveResponse> tried = CompletableFuture.supplyAsync(() ->
      ChannelServiceGrpc.newBlockingStub(other).tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build()));
    prefetch.nextFrame(ServerFrame.FrameCase.REVOKE);
    // The prefetch's application took nothing: the whole prefetch goes back (the stream ends).
    prefetch.halfClose();
    assertEquals(0, number(tried.join()), "the oldest message, not empty");
    assertEquals(Status.Code.OK, prefetch.status().getCode());
  }

  @Test
  void a_stalled_prefetch_that_never_answers_the_revoke_is_ended_and_its_messages_go_to_the_newcomer__S_EXT_REVOKE_S_EXT_REDELIVER()
    throws Exception {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    sendNumbered(id, 5);
    RawStream stalled = new RawStream(transport).openRevocable(id, 5, MANY);
    stalled.take(5);
    stub.close(CloseRequest.newBuilder().setChannelId(id).build());
    CompletableFuture<ReceiveResponse> other = receiveElsewhere(id);
    ServerFrame f;
    do {
      f = stalled.nextFrame(); // a Closed frame may come first: the channel was drained into the prefetch
    } while (f.getFrameCase() != ServerFrame.FrameCase.REVOKE);
    // ... and the revoke is never answered
    assertEquals(Status.Code.ABORTED, stalled.status().getCode(), "ended by the server");
    assertEquals(0, number(other.get(10, TimeUnit.SECONDS)), "the oldest message, not closed");
    for (int i = 1; i < 5; i++) {
      assertEquals(i, number(stub.receive(ReceiveRequest.newBuilder().setChannelId(id).setTimeoutMs(1000).build())));
    }
    assertEquals(ReceiveStatus.RECEIVE_STATUS_CLOSED,
      stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build()).getStatus());
  }
}
