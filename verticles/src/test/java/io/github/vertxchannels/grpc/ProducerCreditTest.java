package io.github.vertxchannels.grpc;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.grpc.v1.ChannelInfo;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.CloseRequest;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.ReceiveStatus;
import io.github.vertxchannels.grpc.v1.Reserve;
import io.github.vertxchannels.grpc.v1.Send;
import io.github.vertxchannels.grpc.v1.SendCredit;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResponse;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.SendResults;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.github.vertxchannels.grpc.v1.TryReceiveRequest;
import io.github.vertxchannels.testing.GrpcServerTestBase;
import io.github.vertxchannels.testing.RawStream;
import io.grpc.Status;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Producer credit over a real gRPC server with raw grpc-java streams (S-EXT-RESERVE). */
class ProducerCreditTest extends GrpcServerTestBase {

  @Test
  @DisplayName("S-EXT-RESERVE: reserved sends are never busy; every other sender sees the reserved room as taken")
  void reserved_sends_never_busy_others_see_busy() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1000);
    RawStream producer = openReserving(id, 1000, 100);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 1000, 100, true);
    assertEquals(1000, info(id).getReservedBytes());
    assertEquals(SendResult.SEND_RESULT_BUSY, unarySend(id, 1), "the whole channel is reserved by another stream");

    producer.send(reservedSend(1, 10, 100));
    SendResults results = producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
    assertEquals(List.of(10, SendResult.SEND_RESULT_OK), List.of(results.getResultsCount(), results.getResults(9)));
    assertTrue(results.getResultsList().stream().allMatch(r -> r == SendResult.SEND_RESULT_OK));
    ChannelInfo info = info(id);
    assertEquals(1000, info.getSize());
    assertEquals(0, info.getReservedBytes(), "used room is no longer reserved");
  }

  @Test
  @DisplayName("S-EXT-RESERVE, S-SEND-2: a raw stream holding credit cannot over-book with ordinary Sends: the excess is BUSY, size + reserved stays <= max_size")
  void own_reservation_counts_against_own_ordinary_sends() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1000);
    // An attacker holds 600 of credit, then sends ordinary (not reserved) Sends by hand.
    RawStream attacker = openReserving(id, 600, 10);
    assertCredit(attacker.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 600, 10, true);
    List<SendResult> results = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      attacker.send(ordinarySend(1 + i, 100, false, 0));
      results.add(attacker.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults().getResults(0));
      ChannelInfo info = info(id);
      assertTrue(info.getSize() + info.getReservedBytes() <= 1000, "never over-booked: " + info);
    }
    List<SendResult> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      expected.add(i < 4 ? SendResult.SEND_RESULT_OK : SendResult.SEND_RESULT_BUSY);
    }
    assertEquals(expected, results, "400 queued + 600 reserved fill the channel: the rest is busy");
    ChannelInfo info = info(id);
    assertEquals(List.of(400L, 600L), List.of(info.getSize(), info.getReservedBytes()));
    assertEquals(SendResult.SEND_RESULT_BUSY, unarySend(id, 1), "another client sees the channel full");
    // A blocking ordinary Send does not fit beside its own reservation either: it waits, then times out.
    attacker.send(ordinarySend(11, 100, true, 200));
    assertEquals(SendResult.SEND_RESULT_TIMEOUT,
      attacker.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults().getResults(0));
    // Its credit still lets it fill the channel exactly, never beyond.
    attacker.send(reservedSend(12, 6, 100));
    assertTrue(attacker.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults().getResultsList().stream()
      .allMatch(r -> r == SendResult.SEND_RESULT_OK));
    info = info(id);
    assertEquals(List.of(1000L, 0L), List.of(info.getSize(), info.getReservedBytes()));
  }

  @Test
  @DisplayName("S-EXT-RESERVE: frames of one stream apply in order: a Reserve(0, 0) right before an ordinary Send gives the room back first")
  void reserve_zero_then_ordinary_send_applies_in_order() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1000);
    RawStream producer = openReserving(id, 1000, 10);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 1000, 10, true);
    // Not waiting for the reset in between: the server must still apply the Reserve first.
    producer.send(reserve(0, 0));
    producer.send(ordinarySend(1, 1000, true, 20_000));
    // The reset and the result come from different places at the server: in either order.
    SendCredit reset = null;
    SendResults result = null;
    while (reset == null || result == null) {
      ServerFrame f = producer.nextFrame();
      if (f.getFrameCase() == ServerFrame.FrameCase.SEND_CREDIT) {
        reset = f.getSendCredit();
      } else if (f.getFrameCase() == ServerFrame.FrameCase.SEND_RESULTS) {
        result = f.getSendResults();
      }
    }
    assertEquals(List.of(0L, 0, true), List.of(reset.getBytes(), reset.getMessages(), reset.getReset()));
    assertEquals(SendResult.SEND_RESULT_OK, result.getResults(0), "the whole channel was given back before the Send");
    ChannelInfo info = info(id);
    assertEquals(List.of(1000L, 0L), List.of(info.getSize(), info.getReservedBytes()));
  }

  @Test
  @DisplayName("S-EXT-RESERVE: Reserve(0, 0) gives the room back, answered by SendCredit(reset)")
  void reserve_zero_gives_back() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1000);
    RawStream producer = openReserving(id, 1000, 10);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 1000, 10, true);
    assertEquals(SendResult.SEND_RESULT_BUSY, unarySend(id, 500));
    producer.send(reserve(0, 0));
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 0, 0, true);
    assertEquals(0, info(id).getReservedBytes());
    assertEquals(SendResult.SEND_RESULT_OK, unarySend(id, 500));
    // A reserved send after giving everything back exceeds the credit.
    producer.send(reservedSend(1, 1, 1));
    assertEquals(Status.Code.FAILED_PRECONDITION, producer.status().getCode());
  }

  @Test
  @DisplayName("S-EXT-RESERVE: everything reserved returns to the channel when the stream ends")
  void stream_end_returns_reservation() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1000);
    RawStream producer = openReserving(id, 800, 10);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 800, 10, true);
    assertEquals(SendResult.SEND_RESULT_BUSY, unarySend(id, 500));
    producer.cancel();
    awaitInfo(id, i -> i.getReservedBytes() == 0);
    assertEquals(SendResult.SEND_RESULT_OK, unarySend(id, 1000));
  }

  @Test
  @DisplayName("S-EXT-RESERVE, S-SEND-1: after a close reserved sends answer CLOSED, nothing is granted any more")
  void close_answers_closed_and_stops_granting() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1000);
    RawStream producer = openReserving(id, 1000, 10);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 1000, 10, true);
    stub.close(CloseRequest.newBuilder().setChannelId(id).build());
    assertEquals(0, info(id).getReservedBytes(), "closing releases reserved room");
    assertEquals(ServerFrame.FrameCase.CLOSED, producer.nextFrame().getFrameCase(), "the stream learns the channel is closed and empty");
    producer.send(reservedSend(1, 3, 10));
    SendResults results = producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
    assertEquals(List.of(SendResult.SEND_RESULT_CLOSED, SendResult.SEND_RESULT_CLOSED, SendResult.SEND_RESULT_CLOSED),
      results.getResultsList());
    producer.send(reserve(1000, 10));
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 0, 0, true);
    assertEquals(0, info(id).getMessages());
  }

  @Test
  @DisplayName("S-EXT-RESERVE: a reserved Send beyond the granted credit ends the stream with FAILED_PRECONDITION, nothing enqueued")
  void over_credit_is_failed_precondition_and_enqueues_nothing() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1000);
    RawStream producer = openReserving(id, 100, 10);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 100, 10, true);
    producer.send(reservedSend(1, 2, 60)); // 120 bytes > 100
    Status status = producer.status();
    assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode());
    assertTrue(status.getDescription().contains("exceeds the producer credit"), status.getDescription());
    ChannelInfo info = awaitInfo(id, i -> i.getReservedBytes() == 0);
    assertEquals(0, info.getSize());
    assertEquals(0, info.getMessages());
  }

  @Test
  @DisplayName("S-EXT-RESERVE: a reserved Send with no credit at all is FAILED_PRECONDITION")
  void reserved_send_without_reserve_is_refused() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    RawStream producer = rawStream().open(id, 0, 0);
    producer.send(reservedSend(1, 1, 0));
    assertEquals(Status.Code.FAILED_PRECONDITION, producer.status().getCode());
    assertEquals(0, info(id).getMessages());
  }

  @Test
  @DisplayName("S-EXT-RESERVE: the credit is topped up in chunks as a consumer drains the channel")
  void top_up_when_consumer_drains() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1000);
    RawStream producer = openReserving(id, 1000, 10);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 1000, 10, true);
    producer.send(reservedSend(1, 10, 100));
    producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS);
    for (int i = 0; i < 4; i++) {
      assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, tryReceive(id));
    }
    producer.assertQuiet(300); // 400 bytes free: below the half-target chunk, no grant yet
    assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, tryReceive(id));
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 500, 10, false);
    producer.send(reservedSend(11, 5, 100));
    assertTrue(producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults().getResultsList().stream()
      .allMatch(r -> r == SendResult.SEND_RESULT_OK));
    assertEquals(1000, info(id).getSize());
  }

  @Test
  @DisplayName("S-EXT-RESERVE, S-EXT-SENDWAIT: a reservation waiting for room goes behind a blocking sender that waited first")
  void reservation_waits_behind_earlier_blocking_sender() throws Exception {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1000);
    assertEquals(SendResult.SEND_RESULT_OK, unarySend(id, 1000));
    CompletableFuture<SendResponse> blocked = CompletableFuture.supplyAsync(() ->
      ChannelServiceGrpc.newBlockingStub(newTransport()).send(SendRequest.newBuilder().setChannelId(id)
        .setPayload(ByteString.copyFrom(new byte[600])).setWait(true).setTimeoutMs(20_000).build()));
    awaitInfo(id, i -> i.getWaitingSenders() == 1);
    RawStream producer = openReserving(id, 1000, 10);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 0, 0, true);
    assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, tryReceive(id)); // 1000 bytes free
    assertEquals(SendResult.SEND_RESULT_OK, blocked.get(20, TimeUnit.SECONDS).getResult(), "the earlier sender goes first");
    // 400 bytes are left: not the reservation's chunk (500), so it keeps waiting
    producer.assertQuiet(300);
    assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, tryReceive(id));
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 1000, 10, false);
  }

  @Test
  @DisplayName("S-EXT-RESERVE, S-EXT-SENDWAIT: a blocking sender arriving after a waiting reservation is not starved by it")
  void blocking_sender_after_reservation_is_served() throws Exception {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1000);
    RawStream producer = openReserving(id, 1000, 10);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 1000, 10, true);
    producer.send(reservedSend(1, 10, 100));
    producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS);
    // The reservation now waits for room; a blocking sender arrives behind it.
    CompletableFuture<SendResponse> blocked = CompletableFuture.supplyAsync(() ->
      ChannelServiceGrpc.newBlockingStub(newTransport()).send(SendRequest.newBuilder().setChannelId(id)
        .setPayload(ByteString.copyFrom(new byte[300])).setWait(true).setTimeoutMs(20_000).build()));
    awaitInfo(id, i -> i.getWaitingSenders() == 1);
    for (int i = 0; i < 8; i++) {
      assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, tryReceive(id));
    }
    // 800 bytes free: the reservation (first) takes its chunk, then the sender fits in the rest.
    SendCredit grant = producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT).getSendCredit();
    assertFalse(grant.getReset());
    assertTrue(grant.getBytes() >= 500, "a chunk of at least half the target: " + grant);
    assertEquals(SendResult.SEND_RESULT_OK, blocked.get(20, TimeUnit.SECONDS).getResult());
  }

  @Test
  @DisplayName("S-EXT-RESERVE, S-FIX-DECODE: a malformed term in a reserved Send is INVALID, the others are enqueued")
  void reserved_term_validation() {
    String id = create(ChannelKind.CHANNEL_KIND_TERM, 1000);
    RawStream producer = openReserving(id, 1000, 10);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 1000, 10, true);
    ByteString one = ByteString.copyFrom(new byte[] {(byte) 131, 97, 1});
    producer.send(ClientFrame.newBuilder().setSend(Send.newBuilder().setFirstSeq(1).setReserved(true)
      .addPayloads(one).addPayloads(ByteString.copyFrom(new byte[] {1, 2, 3})).addPayloads(one)).build());
    SendResults results = producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
    assertEquals(List.of(SendResult.SEND_RESULT_OK, SendResult.SEND_RESULT_INVALID, SendResult.SEND_RESULT_OK),
      results.getResultsList());
    assertTrue(results.getDetail().startsWith("payload 1"), results.getDetail());
    assertEquals(2, info(id).getMessages());
  }

  @Test
  @DisplayName("S-EXT-RESERVE: grants never exceed the server's caps (max_reserve_bytes_per_stream, 4096 messages)")
  void grants_are_capped() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    RawStream producer = openReserving(id, 1L << 40, Integer.MAX_VALUE);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT),
      ChannelServerOptions.DEFAULT_MAX_RESERVE_BYTES_PER_STREAM, ChannelServerOptions.MAX_RESERVE_MESSAGES_PER_STREAM, true);
    // And never more than max_size.
    String small = create(ChannelKind.CHANNEL_KIND_BYTES, 300);
    assertCredit(openReserving(small, 1000, 10).nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 300, 10, true);
  }

  @Test
  @DisplayName("S-EXT-RESERVE: a new Reserve revokes the credit held; grants before its answer are void")
  void reserve_revokes_then_sets_a_new_target() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1000);
    RawStream producer = openReserving(id, 1000, 10);
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 1000, 10, true);
    producer.send(reserve(200, 2));
    assertCredit(producer.nextFrame(ServerFrame.FrameCase.SEND_CREDIT), 200, 2, true);
    assertEquals(200, info(id).getReservedBytes());
    producer.send(reservedSend(1, 3, 10)); // 3 messages > 2
    assertEquals(Status.Code.FAILED_PRECONDITION, producer.status().getCode());
  }

  @Test
  @DisplayName("S-EXT-RESERVE: an empty reserved Send is answered with no results")
  void empty_reserved_send() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    RawStream producer = rawStream().open(id, 0, 0);
    producer.send(reservedSend(1, 0, 0));
    assertEquals(0, producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults().getResultsCount());
  }

  @Test
  @DisplayName("Options: max_reserve_bytes_per_stream defaults to 16 MiB, round-trips through JSON, refuses negatives")
  void max_reserve_bytes_option() {
    assertEquals(16L * 1024 * 1024, new ChannelServerOptions().getMaxReserveBytesPerStream());
    ChannelServerOptions o = new ChannelServerOptions(new io.vertx.core.json.JsonObject().put("max_reserve_bytes_per_stream", 1024));
    assertEquals(1024, new ChannelServerOptions(o.toJson()).getMaxReserveBytesPerStream());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
      () -> new ChannelServerOptions().setMaxReserveBytesPerStream(-1));
    assertTrue(e.getMessage().contains("max_reserve_bytes_per_stream"), e.getMessage());
  }

  // ------------------------------------------------------------------------------- helpers

  private RawStream openReserving(String id, long bytes, int messages) {
    RawStream s = rawStream();
    s.send(ClientFrame.newBuilder().setOpen(OpenStream.newBuilder().setChannelId(id)
      .setReserveBytes(bytes).setReserveMessages(messages)).build());
    assertEquals(ServerFrame.FrameCase.OPENED, s.nextFrame().getFrameCase());
    return s;
  }

  static ClientFrame reserve(long bytes, int messages) {
    return ClientFrame.newBuilder().setReserve(Reserve.newBuilder().setBytes(bytes).setMessages(messages)).build();
  }

  /** An ordinary (not reserved) Send of one payload; blocking when {@code wait}. */
  static ClientFrame ordinarySend(long seq, int length, boolean wait, long timeoutMs) {
    Send.Builder send = Send.newBuilder().setFirstSeq(seq).addPayloads(ByteString.copyFrom(new byte[length]));
    if (wait) {
      send.setWait(true).setTimeoutMs(timeoutMs);
    }
    return ClientFrame.newBuilder().setSend(send).build();
  }

  static ClientFrame reservedSend(long firstSeq, int count, int length) {
    Send.Builder send = Send.newBuilder().setFirstSeq(firstSeq).setReserved(true);
    for (int i = 0; i < count; i++) {
      send.addPayloads(ByteString.copyFrom(new byte[length]));
    }
    return ClientFrame.newBuilder().setSend(send).build();
  }

  static void assertCredit(ServerFrame frame, long bytes, int messages, boolean reset) {
    SendCredit c = frame.getSendCredit();
    assertEquals(List.of(bytes, (long) messages, reset), List.of(c.getBytes(), (long) c.getMessages(), c.getReset()),
      "send credit (bytes, messages, reset)");
  }

  private SendResult unarySend(String id, int length) {
    return stub.send(SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFrom(new byte[length])).build())
      .getResult();
  }

  private ReceiveStatus tryReceive(String id) {
    return stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build()).getStatus();
  }

  ChannelInfo info(String id) {
    return stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo();
  }

  /** Info once it satisfies the condition (bounded wait: stream ends reach the owner asynchronously). */
  ChannelInfo awaitInfo(String id, Predicate<ChannelInfo> condition) {
    List<ChannelInfo> seen = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ChannelInfo info = info(id);
      if (condition.test(info)) {
        return info;
      }
      seen.add(info);
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("condition never held; last info " + seen.get(seen.size() - 1));
  }
}
