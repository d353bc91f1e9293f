package io.github.vertxchannels.faults;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.grpc.v1.Ack;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.CloseRequest;
import io.github.vertxchannels.grpc.v1.CreateRequest;
import io.github.vertxchannels.grpc.v1.Credit;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.ReceiveRequest;
import io.github.vertxchannels.grpc.v1.ReceiveResponse;
import io.github.vertxchannels.grpc.v1.ReceiveStatus;
import io.github.vertxchannels.grpc.v1.Release;
import io.github.vertxchannels.grpc.v1.Send;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.SendResults;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.github.vertxchannels.grpc.v1.TryReceiveRequest;
import io.github.vertxchannels.testing.RawStream;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Malformed use of the gRPC protocol (issue 8, part 2). Each misuse is answered with a status
 * that says what was wrong (INVALID_ARGUMENT, FAILED_PRECONDITION, or the documented code), and
 * afterwards the channel holds exactly what it held (size and messages, in order, byte for byte)
 * and a bystander stream on the same channel still produces and consumes.
 */
class GrpcMisuseTest extends FaultsTestBase {

  /** A small message limit, so that "above the limit" costs little. */
  static final int MAX_MESSAGE = 4096;
  static final int GRPC_LIMIT = MAX_MESSAGE + 64 * 1024;

  @Override
  protected JsonObject serverConfig() {
    return super.serverConfig().put("max_message_size", MAX_MESSAGE);
  }

  private static final Set<Status.Code> REFUSED = Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.FAILED_PRECONDITION);

  private static ClientFrame ack(long upTo) {
    return ClientFrame.newBuilder().setAck(Ack.newBuilder().setUpToSeq(upTo)).build();
  }

  private static ClientFrame release() {
    return ClientFrame.newBuilder().setRelease(Release.getDefaultInstance()).build();
  }

  private static void assertRefused(Status s, String what) {
    assertTrue(REFUSED.contains(s.getCode()), what + ": INVALID_ARGUMENT or FAILED_PRECONDITION expected, got " + s);
    assertNotNull(s.getDescription(), what + ": the status says what was wrong");
    assertFalse(s.getDescription().isBlank(), what + ": the status says what was wrong");
  }

  /**
   * A channel holding five known messages, and a bystander stream opened on it (credit 0)
   * before the misuse.
   */
  private final class Scene {
    final String id;
    final List<byte[]> messages = new ArrayList<>();
    final long size;
    final RawStream bystander;
    private long bystanderSeq = 1;

    Scene(long maxSize) {
      id = create(ChannelKind.CHANNEL_KIND_BYTES, maxSize);
      long n = 0;
      for (int i = 0; i < 5; i++) {
        byte[] m = ("message-" + i).getBytes();
        messages.add(m);
        assertEquals(SendResult.SEND_RESULT_OK, send(id, m));
        n += m.length;
      }
      size = n;
      bystander = new RawStream(newTransport()).open(id, 0, 0);
    }

    Scene() {
      this(0);
    }

    /** The channel holds what it held, and the bystander still works on it. */
    void assertIntact(String misuse) {
      assertIntact(misuse, false);
    }

    void assertIntact(String misuse, boolean closed) {
      awaitHolds(id, size, messages.size(), "after " + misuse);
      byte[] extra = "bystander".getBytes();
      bystander.send(sendFrame(bystanderSeq, List.of(extra)));
      SendResults r = bystander.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
      assertEquals(bystanderSeq++, r.getFirstSeq());
      assertEquals(closed ? SendResult.SEND_RESULT_CLOSED : SendResult.SEND_RESULT_OK, r.getResults(0),
        "after " + misuse + ": the bystander stream still sends");
      List<byte[]> expected = new ArrayList<>(messages);
      if (!closed) {
        expected.add(extra);
      }
      bystander.send(credit(expected.size(), MANY));
      List<ByteString> got = bystander.take(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertArrayEquals(expected.get(i), got.get(i).toByteArray(),
          "after " + misuse + ": message " + i + " is intact and in its place (S-RECV-4)");
      }
      if (closed) {
        assertEquals(ServerFrame.FrameCase.CLOSED, bystander.nextFrame().getFrameCase(), "then the end of the channel");
      }
      bystander.send(ack(got.size()));
    }
  }

  // ----------------------------------------------------------------------------- acknowledgements

  @Test
  void an_ack_for_a_sequence_number_never_pushed_is_FAILED_PRECONDITION_and_what_was_pushed_returns__S_EXT_REDELIVER() {
    Scene scene = new Scene();
    RawStream misuser = rawStream().open(scene.id, 2, MANY);
    assertEquals(2, misuser.take(2).size());
    misuser.send(ack(3));
    Status s = misuser.status();
    assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("3"), "says which number: " + s);
    scene.assertIntact("an ack for a number never pushed");
  }

  @Test
  void an_ack_beyond_2_pow_63_is_FAILED_PRECONDITION_too_not_silently_ignored() {
    // up_to_seq is a uint64: 2^64-1 (a Java long of -1) was never pushed either.
    Scene scene = new Scene();
    RawStream misuser = rawStream().open(scene.id, 2, MANY);
    assertEquals(2, misuser.take(2).size());
    misuser.send(ack(-1L)); // 2^64 - 1 on the wire
    misuser.send(release()); // if the ack were ignored, this would be answered with `released`
    Object next = misuser.next(10_000);
    assertNotNull(next, "an answer within 10 s");
    if (next instanceof ServerFrame f) {
      fail("an Ack of up_to_seq 2^64-1 (never pushed) was silently ignored: the stream went on and answered the "
        + "next frame with " + f.getFrameCase() + "; expected FAILED_PRECONDITION");
    }
    assertEquals(Status.Code.FAILED_PRECONDITION, ((Status) next).getCode(), next.toString());
    scene.assertIntact("an ack of 2^64-1");
  }

  @Test
  void a_repeated_or_zero_ack_is_harmless() {
    Scene scene = new Scene();
    RawStream consumer = rawStream().open(scene.id, 2, MANY);
    assertEquals(2, consumer.take(2).size());
    consumer.send(ack(0));
    consumer.send(ack(1));
    consumer.send(ack(1));
    consumer.send(release());
    ServerFrame released = consumer.nextFrame(ServerFrame.FrameCase.RELEASED);
    assertEquals(1, released.getReleased().getReturned(), "message 2 was not acknowledged: it goes back");
    consumer.halfClose();
    assertEquals(Status.Code.OK, consumer.status().getCode());
    // message 1 was acknowledged: gone for good
    awaitHolds(scene.id, scene.size - scene.messages.get(0).length, 4, "after acks 0, 1, 1");
  }

  // ---------------------------------------------------------------------------------------- credit

  @Test
  void credit_grants_that_sum_past_2_pow_64_saturate_instead_of_wrapping__S_EXT_CREDIT() {
    Scene scene = new Scene();
    RawStream consumer = rawStream().open(scene.id, 0, 0);
    // Bytes: 4 x 2^62 + 1 > 2^64. Messages: 3 x (2^31 - 1) > 2^32 (each grant below 2^31).
    for (int i = 0; i < 4; i++) {
      consumer.send(credit(0, 1L << 62));
    }
    consumer.send(credit(0, 1));
    for (int i = 0; i < 3; i++) {
      consumer.send(credit(Integer.MAX_VALUE, 0));
    }
    List<ByteString> got = consumer.take(5);
    assertArrayEquals(scene.messages.get(4), got.get(4).toByteArray());
    consumer.send(release());
    assertEquals(5, consumer.nextFrame(ServerFrame.FrameCase.RELEASED).getReleased().getReturned());
    scene.assertIntact("credit grants summing past 2^64");
  }

  @Test
  void a_credit_grant_of_2_pow_64_minus_1_bytes_is_a_grant_not_ignored__S_EXT_CREDIT() {
    // Credit.bytes is a uint64; 2^64-1 ("everything") must saturate, not be dropped.
    Scene scene = new Scene();
    RawStream consumer = rawStream().open(scene.id, 0, 0);
    consumer.send(credit(5, -1L)); // 2^64 - 1 bytes on the wire
    Object f = consumer.next(2_000);
    assertTrue(f instanceof ServerFrame sf && sf.getFrameCase() == ServerFrame.FrameCase.DELIVERIES,
      "Credit{messages=5, bytes=2^64-1} should let the 5 queued messages be pushed; got " + f
        + " (the channel still holds " + info(scene.id).getMessages() + " messages)");
    consumer.cancel();
    scene.assertIntact("a credit of 2^64-1 bytes");
  }

  @Test
  void a_credit_grant_of_2_pow_31_messages_or_more_is_a_grant_not_ignored__S_EXT_CREDIT() {
    // Credit.messages is a uint32; 2^32-1 must be a (saturating) grant.
    Scene scene = new Scene();
    RawStream consumer = rawStream().open(scene.id, 0, 0);
    consumer.send(credit(0xFFFF_FFFFL, MANY));
    Object f = consumer.next(2_000);
    assertTrue(f instanceof ServerFrame sf && sf.getFrameCase() == ServerFrame.FrameCase.DELIVERIES,
      "Credit{messages=2^32-1} should let the 5 queued messages be pushed; got " + f
        + " (the channel still holds " + info(scene.id).getMessages() + " messages)");
    consumer.cancel();
    scene.assertIntact("a credit of 2^32-1 messages");
  }

  @Test
  void an_open_with_the_largest_initial_credit_is_accepted__S_EXT_CREDIT() {
    // OpenStream.initial_credit_messages is a uint32 and initial_credit_bytes a uint64: their
    // largest values are valid grants ("everything"), not negative numbers.
    Scene scene = new Scene();
    List<String> refused = new ArrayList<>();
    for (long[] c : new long[][] {{0xFFFF_FFFFL, MANY}, {0x8000_0000L, MANY}, {5, -1L}, {5, 1L << 63}}) {
      RawStream consumer = rawStream();
      consumer.send(openFrame(scene.id, (int) c[0], c[1]));
      Object f = consumer.next(10_000);
      String grant = "initial credit " + Long.toUnsignedString(c[0]) + " messages / " + Long.toUnsignedString(c[1]) + " bytes";
      if (!(f instanceof ServerFrame sf && sf.getFrameCase() == ServerFrame.FrameCase.OPENED)) {
        refused.add(grant + " -> " + f);
        continue;
      }
      assertEquals(5, consumer.take(5).size(), grant + " lets the queued messages be pushed");
      consumer.cancel();
      awaitHolds(scene.id, scene.size, 5, "after a cancelled consumer");
    }
    assertTrue(refused.isEmpty(), "valid uint32/uint64 initial credits were refused: " + refused);
    scene.assertIntact("opens with the largest credits");
  }

  // ------------------------------------------------------------------------------ frame sequencing

  @Test
  void every_frame_before_open_is_FAILED_PRECONDITION_and_a_send_before_open_enqueues_nothing() {
    Scene scene = new Scene();
    List<ClientFrame> early = List.of(
      credit(10, MANY),
      ack(1),
      release(),
      sendFrame(1, List.of("sneaky".getBytes())));
    for (ClientFrame frame : early) {
      RawStream misuser = rawStream();
      misuser.send(frame);
      misuser.send(openFrame(scene.id, 10, MANY)); // too late
      Status s = misuser.status();
      assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode(), frame.getFrameCase() + " before open: " + s);
      assertRefused(s, frame.getFrameCase() + " before open");
    }
    scene.assertIntact("frames before open");
  }

  @Test
  void a_second_open_is_FAILED_PRECONDITION_and_the_first_sessions_messages_return() {
    Scene scene = new Scene();
    RawStream misuser = rawStream().open(scene.id, 3, MANY);
    assertEquals(3, misuser.take(3).size());
    misuser.send(openFrame(scene.id, 3, MANY));
    Status s = misuser.status();
    assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode(), s.toString());
    assertRefused(s, "a second open");
    scene.assertIntact("a second open");
  }

  @Test
  void an_empty_client_frame_is_refused_before_and_after_open() {
    Scene scene = new Scene();
    RawStream before = rawStream();
    before.send(ClientFrame.getDefaultInstance());
    assertRefused(before.status(), "an empty ClientFrame as the first frame");
    RawStream after = rawStream().open(scene.id, 2, MANY);
    assertEquals(2, after.take(2).size());
    after.send(ClientFrame.getDefaultInstance());
    assertRefused(after.status(), "an empty ClientFrame after open");
    scene.assertIntact("empty ClientFrames");
  }

  @Test
  void opening_an_unknown_channel_is_NOT_FOUND_and_the_wrong_kind_FAILED_PRECONDITION() {
    Scene scene = new Scene();
    RawStream unknown = rawStream();
    unknown.send(openFrame(scene.id + "x", 1, MANY));
    assertEquals(Status.Code.NOT_FOUND, unknown.status().getCode());
    RawStream wrongKind = rawStream();
    wrongKind.send(ClientFrame.newBuilder().setOpen(OpenStream.newBuilder().setChannelId(scene.id)
      .setExpectedKind(ChannelKind.CHANNEL_KIND_TERM).setInitialCreditMessages(5).setInitialCreditBytes(MANY)).build());
    Status s = wrongKind.status();
    assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode(), s.toString());
    scene.assertIntact("opens of an unknown id and of the wrong kind");
  }

  // ----------------------------------------------------------------------------- unary arguments

  @Test
  void a_negative_max_size_or_an_unspecified_kind_is_INVALID_ARGUMENT__S_FIX_OPTS() {
    Scene scene = new Scene();
    for (long max : new long[] {-1, Long.MIN_VALUE}) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.create(CreateRequest.newBuilder()
        .setKind(ChannelKind.CHANNEL_KIND_BYTES).setMaxSize(max).build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), "max_size " + max);
      assertRefused(e.getStatus(), "max_size " + max);
    }
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
      () -> stub.create(CreateRequest.newBuilder().setMaxSize(10).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertRefused(e.getStatus(), "an unspecified kind");
    StatusRuntimeException unrecognized = assertThrows(StatusRuntimeException.class,
      () -> stub.create(CreateRequest.newBuilder().setKindValue(77).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, unrecognized.getStatus().getCode(), "an unknown kind number");
    scene.assertIntact("bad create options");
  }

  // --------------------------------------------------------------------------------- huge timeouts

  /**
   * A timeout near 2^63 ms is a valid int64 ("practically forever"): the server must either wait
   * as asked or refuse it with INVALID_ARGUMENT; never fail with UNKNOWN/INTERNAL or end a stream.
   */
  private static void assertWaitedOrRefused(Throwable t, String what) {
    Status s = Status.fromThrowable(t);
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), what + ": wait, or refuse with INVALID_ARGUMENT; got " + s);
    assertRefused(s, what);
  }

  @Test
  void a_unary_waiting_send_with_a_huge_timeout_waits_or_is_refused_cleanly__S_EXT_SENDWAIT() throws Exception {
    Scene scene = new Scene(0);
    String full = create(ChannelKind.CHANNEL_KIND_BYTES, 10);
    assertEquals(SendResult.SEND_RESULT_OK, send(full, new byte[10]));
    for (long timeout : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1000}) {
      CompletableFuture<SendResult> waiting = CompletableFuture.supplyAsync(() -> stub.withDeadlineAfter(20, TimeUnit.SECONDS)
        .send(SendRequest.newBuilder().setChannelId(full).setPayload(ByteString.copyFrom(new byte[4]))
          .setWait(true).setTimeoutMs(timeout).build()).getResult());
      try {
        waiting.get(500, TimeUnit.MILLISECONDS);
        fail("a waiting send on a full channel answered before there was room");
      } catch (java.util.concurrent.ExecutionException e) {
        assertWaitedOrRefused(e.getCause(), "a waiting send with timeout_ms " + timeout);
        assertEquals(10, info(full).getSize(), "nothing enqueued");
        continue;
      } catch (java.util.concurrent.TimeoutException stillWaiting) {
        // it waits, as asked
      }
      ReceiveResponse r = stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(full).build());
      assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, r.getStatus());
      assertEquals(SendResult.SEND_RESULT_OK, waiting.get(15, TimeUnit.SECONDS), "it got room");
      long size = info(full).getSize();
      if (size < 10) {
        assertEquals(SendResult.SEND_RESULT_OK, send(full, new byte[(int) (10 - size)]), "full again for the next round");
      }
    }
    scene.assertIntact("waiting sends with huge timeouts");
  }

  @Test
  void a_unary_receive_with_a_huge_timeout_waits_or_is_refused_cleanly__S_RECV_3() throws Exception {
    Scene scene = new Scene();
    String empty = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    CompletableFuture<ReceiveResponse> waiting = CompletableFuture.supplyAsync(() -> stub.withDeadlineAfter(20, TimeUnit.SECONDS)
      .receive(ReceiveRequest.newBuilder().setChannelId(empty).setTimeoutMs(Long.MAX_VALUE).build()));
    try {
      ReceiveResponse r = waiting.get(500, TimeUnit.MILLISECONDS);
      fail("a receive on an empty channel answered at once: " + r);
    } catch (java.util.concurrent.ExecutionException e) {
      assertWaitedOrRefused(e.getCause(), "a receive with timeout_ms 2^63-1");
      scene.assertIntact("a receive with a huge timeout");
      return;
    } catch (java.util.concurrent.TimeoutException stillWaiting) {
      // it waits, as asked
    }
    assertEquals(SendResult.SEND_RESULT_OK, send(empty, "late".getBytes()));
    ReceiveResponse r = waiting.get(15, TimeUnit.SECONDS);
    assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, r.getStatus());
    assertEquals("late", r.getPayload().toStringUtf8());
    scene.assertIntact("a receive with a huge timeout");
  }

  @Test
  void a_stream_send_with_a_huge_timeout_waits_or_is_refused_and_never_kills_the_stream__S_EXT_SENDWAIT() {
    Scene scene = new Scene(0);
    String full = create(ChannelKind.CHANNEL_KIND_BYTES, 10);
    assertEquals(SendResult.SEND_RESULT_OK, send(full, new byte[10]));
    RawStream producer = rawStream().open(full, 0, 0);
    producer.send(ClientFrame.newBuilder().setSend(Send.newBuilder().setFirstSeq(1)
      .addPayloads(ByteString.copyFrom(new byte[4])).setWait(true).setTimeoutMs(Long.MAX_VALUE)).build());
    Object early = producer.next(500);
    if (early instanceof Status s) {
      fail("a waiting stream send with timeout_ms 2^63-1 ended the whole stream with " + s
        + "; expected it to wait, or a per-payload refusal in SendResults");
    }
    if (early == null) { // waiting, as asked: make room
      assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE,
        stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(full).build()).getStatus());
      early = producer.nextFrame();
    }
    ServerFrame f = (ServerFrame) early;
    assertEquals(ServerFrame.FrameCase.SEND_RESULTS, f.getFrameCase(), f.toString());
    SendResult r = f.getSendResults().getResults(0);
    assertTrue(r == SendResult.SEND_RESULT_OK || r == SendResult.SEND_RESULT_INVALID, "OK after room, or INVALID: " + r);
    producer.send(release());
    producer.nextFrame(ServerFrame.FrameCase.RELEASED); // the stream is still alive
    scene.assertIntact("a stream send with a huge timeout");
  }

  // ---------------------------------------------------------------------------- oversized payloads

  @Test
  void a_payload_above_the_message_limit_is_TOO_LARGE_on_a_stream_and_the_stream_goes_on() {
    Scene scene = new Scene();
    RawStream producer = rawStream().open(scene.id, 0, 0);
    producer.send(sendFrame(7, List.of(new byte[MAX_MESSAGE + 1], new byte[MAX_MESSAGE + 1])));
    SendResults r = producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
    assertEquals(7, r.getFirstSeq());
    assertEquals(List.of(SendResult.SEND_RESULT_TOO_LARGE, SendResult.SEND_RESULT_TOO_LARGE), r.getResultsList());
    assertTrue(r.getDetail().contains(Integer.toString(MAX_MESSAGE)), "detail names the limit: " + r.getDetail());
    producer.send(release());
    producer.nextFrame(ServerFrame.FrameCase.RELEASED);
    scene.assertIntact("payloads above the message limit on a stream");
  }

  @Test
  void a_unary_payload_above_the_message_limit_is_OUT_OF_RANGE_and_above_the_transport_limit_RESOURCE_EXHAUSTED() {
    Scene scene = new Scene();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> send(scene.id, new byte[MAX_MESSAGE + 1]));
    assertEquals(Status.Code.OUT_OF_RANGE, e.getStatus().getCode(), e.getStatus().toString());
    e = assertThrows(StatusRuntimeException.class, () -> send(scene.id, new byte[GRPC_LIMIT + 1]));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
    scene.assertIntact("unary payloads above the limits");
  }

  @Test
  void a_stream_frame_above_the_transport_limit_ends_that_stream_only_and_its_messages_return() {
    Scene scene = new Scene();
    RawStream misuser = rawStream().open(scene.id, 2, MANY);
    assertEquals(2, misuser.take(2).size());
    misuser.send(sendFrame(1, List.of(new byte[GRPC_LIMIT + 1])));
    Status s = misuser.status();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
    scene.assertIntact("a stream frame above the transport limit");
  }

  // ------------------------------------------------------------------------------ closed channels

  @Test
  void a_stream_send_on_a_closed_channel_is_CLOSED_enqueues_nothing_and_the_stream_goes_on__S_SEND_1() {
    Scene scene = new Scene();
    RawStream producer = rawStream().open(scene.id, 0, 0);
    stub.close(CloseRequest.newBuilder().setChannelId(scene.id).build());
    producer.send(sendFrame(1, List.of("a".getBytes(), "b".getBytes())));
    producer.send(ClientFrame.newBuilder().setSend(Send.newBuilder().setFirstSeq(3)
      .addPayloads(ByteString.copyFromUtf8("c")).setWait(true).setTimeoutMs(-1)).build());
    SendResults r1 = producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
    SendResults r2 = producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
    assertEquals(List.of(SendResult.SEND_RESULT_CLOSED, SendResult.SEND_RESULT_CLOSED), r1.getResultsList());
    assertEquals(List.of(SendResult.SEND_RESULT_CLOSED), r2.getResultsList(), "a waiting send too (S-SEND-1)");
    producer.send(release());
    producer.nextFrame(ServerFrame.FrameCase.RELEASED);
    scene.assertIntact("sends on a closed channel", true);
  }
}
