package io.github.vertxchannels.grpc;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.grpc.v1.ChannelInfo;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.Send;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.SendResults;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.github.vertxchannels.testing.GrpcServerTestBase;
import io.github.vertxchannels.testing.RawStream;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Consumers and producers that try to make the server hold more than they are allowed (issue 15). */
class HostileClientsTest extends GrpcServerTestBase {

  private static final int KIB_64 = 64 * 1024;
  private static final int MIB = 1024 * 1024;
  private static final long PENDING_LIMIT = 100L * ChannelServerOptions.PAYLOAD_COST_BYTES;

  @Override
  protected JsonObject serverConfig() {
    return super.serverConfig().put("max_pending_bytes_per_connection", PENDING_LIMIT);
  }

  @Test
  @DisplayName("S-SEND-2, S-EXT-REDELIVER: pushed, unacknowledged messages count for backpressure (a consumer that never reads)")
  void consumer_that_never_reads_cannot_make_the_channel_unbounded() throws Exception {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, MIB);
    // Huge credit, and the call never asks grpc-java for more than the Opened frame: its HTTP/2
    // window is never given back, so pushed messages pile up unread.
    LinkedBlockingQueue<Object> frames = new LinkedBlockingQueue<>();
    ClientCall<ClientFrame, ServerFrame> hostile = newTransport().newCall(ChannelServiceGrpc.getStreamMethod(), CallOptions.DEFAULT);
    hostile.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(ServerFrame message) {
        frames.add(message);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        frames.add(status);
      }
    }, new Metadata());
    hostile.request(1);
    hostile.sendMessage(ClientFrame.newBuilder().setOpen(OpenStream.newBuilder().setChannelId(id)
      .setInitialCreditMessages(Integer.MAX_VALUE).setInitialCreditBytes(Long.MAX_VALUE)).build());
    Object opened = frames.poll(10, TimeUnit.SECONDS);
    assertTrue(opened instanceof ServerFrame f && f.hasOpened(), "opened: " + opened);

    int accepted = 0;
    for (int i = 0; i < 100; i++) {
      SendResult r = stub.send(SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFrom(new byte[KIB_64])).build())
        .getResult();
      if (r == SendResult.SEND_RESULT_OK) {
        accepted++;
      } else {
        assertEquals(SendResult.SEND_RESULT_BUSY, r);
      }
    }
    assertEquals(MIB / KIB_64, accepted, "no more than max_size is held, pushed or not");
    ChannelInfo info = info(id);
    assertEquals(MIB, info.getSize() + info.getInFlightBytes(), "queued + in flight = max_size: " + info);
    assertTrue(info.getInFlightBytes() > 0, "the consumer holds pushed messages: " + info);
    // Another client's view: busy.
    assertEquals(SendResult.SEND_RESULT_BUSY, stub.send(SendRequest.newBuilder().setChannelId(id)
      .setPayload(ByteString.copyFrom(new byte[1])).build()).getResult());

    // When the hostile stream ends, what it held returns to the channel (S-EXT-REDELIVER).
    hostile.cancel("test ends the hostile consumer", null);
    ChannelInfo after = null;
    for (int i = 0; i < 200 && (after == null || after.getInFlightBytes() != 0); i++) {
      Thread.sleep(25);
      after = info(id);
    }
    assertNotNull(after);
    assertEquals(0, after.getInFlightBytes());
    assertEquals(MIB, after.getSize());
    assertEquals(MIB / KIB_64, after.getMessages());
  }

  @Test
  @DisplayName("S-SEND-2: a consumer that acknowledges frees the room its messages held")
  void acknowledged_messages_free_room() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 100);
    RawStream consumer = rawStream().open(id, 10, 1000);
    assertEquals(SendResult.SEND_RESULT_OK, unarySend(id, 100));
    assertEquals(1, consumer.take(1).size());
    assertEquals(SendResult.SEND_RESULT_BUSY, unarySend(id, 1), "100 bytes in flight");
    assertEquals(100, info(id).getInFlightBytes());
    consumer.send(ClientFrame.newBuilder().setAck(io.github.vertxchannels.grpc.v1.Ack.newBuilder().setUpToSeq(1)).build());
    for (int i = 0; i < 200 && info(id).getInFlightBytes() != 0; i++) {
      sleep(25);
    }
    assertEquals(SendResult.SEND_RESULT_OK, unarySend(id, 100));
  }

  @Test
  @DisplayName("Limits: a Send frame of 500,000 empty payloads ends the call with RESOURCE_EXHAUSTED, nothing enqueued")
  void too_many_payloads_in_one_send_frame() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    RawStream producer = rawStream().open(id, 0, 0);
    Send.Builder send = Send.newBuilder().setFirstSeq(1);
    for (int i = 0; i < 500_000; i++) {
      send.addPayloads(ByteString.EMPTY);
    }
    producer.send(ClientFrame.newBuilder().setSend(send).build());
    Status status = producer.status();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode());
    assertTrue(status.getDescription().contains("at most " + ChannelServerOptions.MAX_PAYLOADS_PER_SEND), status.getDescription());
    assertEquals(0, info(id).getMessages());
    // The largest allowed frame still works.
    RawStream next = rawStream().open(id, 0, 0);
    Send.Builder max = Send.newBuilder().setFirstSeq(1);
    for (int i = 0; i < ChannelServerOptions.MAX_PAYLOADS_PER_SEND; i++) {
      max.addPayloads(ByteString.EMPTY);
    }
    // 4096 empty payloads cost 4096 * 64 bytes, more than this class's pending limit, yet one
    // frame alone always goes through (nothing else of this connection waits).
    next.send(ClientFrame.newBuilder().setSend(max).build());
    SendResults results = next.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
    assertEquals(ChannelServerOptions.MAX_PAYLOADS_PER_SEND, results.getResultsCount());
    assertTrue(results.getResultsList().stream().allMatch(r -> r == SendResult.SEND_RESULT_OK));
    assertEquals(ChannelServerOptions.MAX_PAYLOADS_PER_SEND, info(id).getMessages());
  }

  @Test
  @DisplayName("Limits: every payload costs PAYLOAD_COST_BYTES in max_pending_bytes_per_connection, empty ones too")
  void empty_payloads_are_not_free() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 10);
    assertEquals(SendResult.SEND_RESULT_OK, unarySend(id, 10));
    RawStream producer = rawStream().open(id, 0, 0);
    // A waiting send holds 1 + 64 bytes of the connection's budget ...
    producer.send(ClientFrame.newBuilder().setSend(Send.newBuilder().setFirstSeq(1).setWait(true).setTimeoutMs(1000)
      .addPayloads(ByteString.copyFrom(new byte[1]))).build());
    // ... so 100 empty payloads (100 * 64 bytes) no longer fit in it.
    Send.Builder empties = Send.newBuilder().setFirstSeq(2);
    for (int i = 0; i < 100; i++) {
      empties.addPayloads(ByteString.EMPTY);
    }
    producer.send(ClientFrame.newBuilder().setSend(empties).build());
    SendResults first = producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
    assertEquals(SendResult.SEND_RESULT_TIMEOUT, first.getResults(0));
    SendResults second = producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
    assertTrue(second.getResultsList().stream().allMatch(r -> r == SendResult.SEND_RESULT_LIMIT), second.toString());
    assertTrue(second.getDetail().contains("max_pending_bytes_per_connection"), second.getDetail());
    assertEquals(1, info(id).getMessages());
  }

  private SendResult unarySend(String id, int length) {
    return stub.send(SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFrom(new byte[length])).build())
      .getResult();
  }

  private ChannelInfo info(String id) {
    return stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
