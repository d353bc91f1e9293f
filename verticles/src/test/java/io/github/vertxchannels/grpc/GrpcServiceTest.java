package io.github.vertxchannels.grpc;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.Term;
import io.github.vertxchannels.grpc.v1.Ack;
import io.github.vertxchannels.grpc.v1.AttachRequest;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.CloseRequest;
import io.github.vertxchannels.grpc.v1.CreateRequest;
import io.github.vertxchannels.grpc.v1.Credit;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.ReceiveRequest;
import io.github.vertxchannels.grpc.v1.ReceiveResponse;
import io.github.vertxchannels.grpc.v1.ReceiveStatus;
import io.github.vertxchannels.grpc.v1.Release;
import io.github.vertxchannels.grpc.v1.Send;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.github.vertxchannels.grpc.v1.TryReceiveRequest;
import io.github.vertxchannels.testing.RawStream;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gRPC service with a real server and real grpc-java clients. */
class GrpcServiceTest extends GrpcTestBase {

  private static final long MANY = 1L << 40;

  private SendResult send(String id, byte[] payload) {
    return stub.send(SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFrom(payload)).build()).getResult();
  }

  private long messages(String id) {
    return stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getMessages();
  }

  private static Status.Code code(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
  }

  private static List<ByteString> payloads(ServerFrame frame) {
    assertEquals(ServerFrame.FrameCase.DELIVERIES, frame.getFrameCase(), "a deliveries frame: " + frame);
    return frame.getDeliveries().getPayloadsList();
  }

  // ---------------------------------------------------------------------------------- unary

  @Test
  void unary_calls_spell_the_erlang_results__S_SEND_2_S_RECV_1_S_RECV_3_S_CLOSE_1() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 100);
    assertEquals(SendResult.SEND_RESULT_OK, send(id, new byte[60]));
    assertEquals(SendResult.SEND_RESULT_BUSY, send(id, new byte[60]));
    assertEquals(60, stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getSize());
    assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build()).getStatus());
    assertEquals(ReceiveStatus.RECEIVE_STATUS_EMPTY, stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build()).getStatus());
    assertEquals(ReceiveStatus.RECEIVE_STATUS_TIMEOUT, stub.receive(ReceiveRequest.newBuilder().setChannelId(id).setTimeoutMs(20).build()).getStatus());
    stub.close(CloseRequest.newBuilder().setChannelId(id).build());
    stub.close(CloseRequest.newBuilder().setChannelId(id).build());
    assertEquals(SendResult.SEND_RESULT_CLOSED, send(id, new byte[1]));
    assertEquals(ReceiveStatus.RECEIVE_STATUS_CLOSED, stub.receive(ReceiveRequest.newBuilder().setChannelId(id).setTimeoutMs(-1).build()).getStatus());
  }

  @Test
  void a_waiting_send_that_finds_no_room_in_time_answers_timeout__S_EXT_SENDWAIT() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 10);
    send(id, new byte[10]);
    assertEquals(SendResult.SEND_RESULT_TIMEOUT, stub.send(SendRequest.newBuilder().setChannelId(id)
      .setPayload(ByteString.copyFrom(new byte[5])).setWait(true).setTimeoutMs(20).build()).getResult());
  }

  @Test
  void errors_are_status_codes_with_a_message_saying_what_was_wrong() {
    String term = create(ChannelKind.CHANNEL_KIND_TERM, 10);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.info(InfoRequest.newBuilder().setChannelId("nobody.x").build()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("nobody.x"));
    assertEquals(Status.Code.NOT_FOUND, code(() -> send("no-such-id", new byte[1])));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> send(term, new byte[] {1, 2, 3})), "malformed term (S-FIX-DECODE)");
    assertEquals(0, messages(term), "nothing enqueued");
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.create(CreateRequest.newBuilder().setKind(ChannelKind.CHANNEL_KIND_BYTES).setMaxSize(-1).build())), "S-FIX-OPTS");
    assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> stub.create(CreateRequest.newBuilder().build())), "kind is required");
    assertEquals(Status.Code.FAILED_PRECONDITION, code(() -> stub.attach(AttachRequest.newBuilder().setChannelId(term).setExpectedKind(ChannelKind.CHANNEL_KIND_BYTES).build())));
    assertEquals(term, stub.attach(AttachRequest.newBuilder().setChannelId(term).build()).getInfo().getId());
    assertEquals(Status.Code.OUT_OF_RANGE, code(() -> stub.send(SendRequest.newBuilder().setChannelId(term)
      .setPayload(ByteString.copyFrom(Etf.encode(Term.binary(new byte[20])).getBytes())).setWait(true).setTimeoutMs(-1).build())), "too large for max_size");
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, code(() -> send(term, new byte[ChannelServerOptions.DEFAULT_MAX_MESSAGE_SIZE + ChannelServerOptions.FRAMING_HEADROOM + 1])));
  }

  @Test
  void messages_of_1_and_16_mebibytes_round_trip_through_unary_calls_and_streams() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    for (int size : new int[] {1 << 20, 16 << 20}) {
      byte[] big = new byte[size];
      new Random(size).nextBytes(big);
      assertEquals(SendResult.SEND_RESULT_OK, send(id, big));
      ReceiveResponse r = stub.receive(ReceiveRequest.newBuilder().setChannelId(id).setTimeoutMs(5000).build());
      assertArrayEquals(big, r.getPayload().toByteArray());
      assertEquals(SendResult.SEND_RESULT_OK, send(id, big));
      RawStream s = new RawStream(transport).open(id, 1, MANY);
      assertArrayEquals(big, payloads(s.nextFrame()).get(0).toByteArray());
      s.send(ClientFrame.newBuilder().setAck(Ack.newBuilder().setUpToSeq(1)).build());
      s.halfClose();
      assertEquals(Status.Code.OK, s.status().getCode());
      assertEquals(0, messages(id), "acknowledged: gone for good");
    }
  }

  @Test
  void the_standard_health_check_answers_serving() {
    MethodDescriptor<HealthCheckRequest, HealthCheckResponse> check = MethodDescriptor.<HealthCheckRequest, HealthCheckResponse>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("grpc.health.v1.Health/Check")
      .setRequestMarshaller(ProtoUtils.marshaller(HealthCheckRequest.getDefaultInstance()))
      .setResponseMarshaller(ProtoUtils.marshaller(HealthCheckResponse.getDefaultInstance()))
      .build();
    HealthCheckResponse r = ClientCalls.blockingUnaryCall(transport, check, CallOptions.DEFAULT, HealthCheckRequest.getDefaultInstance());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, r.getStatus());
  }

  @Test
  void a_unary_receive_cancelled_while_waiting_leaves_no_waiter_and_loses_nothing__S_FIX_TIMEOUT_S_FIX_CANCEL() throws Exception {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
    java.util.concurrent.CompletableFuture<Void> started = new java.util.concurrent.CompletableFuture<>();
    ctx.run(() -> {
      io.github.vertxchannels.grpc.v1.ChannelServiceGrpc.newStub(transport).receive(
        ReceiveRequest.newBuilder().setChannelId(id).setTimeoutMs(-1).build(), new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(ReceiveResponse value) {
          }

          @Override
          public void onError(Throwable t) {
          }

          @Override
          public void onCompleted() {
          }
        });
      started.complete(null);
    });
    started.get();
    long deadline = System.currentTimeMillis() + 10_000;
    while (stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getWaitingReceivers() != 1) {
      assertTrue(System.currentTimeMillis() < deadline, "the receive is waiting");
      Thread.sleep(10);
    }
    ctx.cancel(null);
    while (stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getWaitingReceivers() != 0) {
      assertTrue(System.currentTimeMillis() < deadline, "the cancelled receive leaves no waiter");
      Thread.sleep(10);
    }
    send(id, new byte[] {7});
    assertEquals(1, messages(id), "the message stays for the next receiver");
  }

  // --------------------------------------------------------------------------------- stream

  @Test
  void messages_are_pushed_to_a_waiting_stream_without_any_receive_call__S_EXT_PUSH() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    RawStream s = new RawStream(transport).open(id, 10, MANY);
    assertNull(s.next(100), "nothing to push yet");
    send(id, "hello".getBytes());
    assertEquals("hello", payloads(s.nextFrame()).get(0).toStringUtf8());
  }

  @Test
  void the_server_never_pushes_more_than_the_credit_and_the_rest_stays_in_the_channel__S_EXT_CREDIT() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    RawStream s = new RawStream(transport).open(id, 3, MANY);
    for (int i = 0; i < 10; i++) {
      send(id, new byte[] {(byte) i});
    }
    List<ByteString> got = new ArrayList<>();
    while (got.size() < 3) {
      got.addAll(payloads(s.nextFrame()));
    }
    assertNull(s.next(200), "no fourth message without credit");
    assertEquals(3, got.size());
    assertEquals(7, messages(id), "undelivered messages stay in the channel");
    assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build()).getStatus(), "available to others");
    s.send(ClientFrame.newBuilder().setCredit(Credit.newBuilder().setMessages(2).setBytes(MANY)).build());
    while (got.size() < 5) {
      got.addAll(payloads(s.nextFrame()));
    }
    assertNull(s.next(200));
    assertEquals(5, got.size());
  }

  @Test
  void byte_credit_limits_pushes_too__S_EXT_CREDIT() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    for (int i = 0; i < 5; i++) {
      send(id, new byte[40]);
    }
    RawStream s = new RawStream(transport).open(id, 100, 100);
    assertEquals(2, payloads(s.nextFrame()).size(), "two 40-byte messages fit in 100 bytes of credit");
    assertNull(s.next(200));
    assertEquals(3, messages(id));
  }

  @Test
  void queued_small_messages_are_batched_into_few_frames() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    for (int i = 0; i < 500; i++) {
      send(id, new byte[64]);
    }
    RawStream s = new RawStream(transport).open(id, 500, MANY);
    int frames = 0;
    int got = 0;
    while (got < 500) {
      got += payloads(s.nextFrame()).size();
      frames++;
    }
    assertTrue(frames < 10, "500 queued messages in " + frames + " frames");
  }

  @Test
  void several_streams_share_one_channel_each_message_to_exactly_one_in_fifo_order__S_FIX_WAITERS() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    List<RawStream> streams = List.of(
      new RawStream(newTransport()).open(id, 1000, MANY),
      new RawStream(newTransport()).open(id, 1000, MANY),
      new RawStream(transport).open(id, 1000, MANY));
    int n = 300;
    for (int i = 0; i < n; i++) {
      send(id, Integer.toString(i).getBytes());
    }
    Set<String> all = new HashSet<>();
    int total = 0;
    for (RawStream s : streams) {
      int last = -1;
      Object f;
      while ((f = s.next(300)) != null) {
        for (ByteString p : payloads((ServerFrame) f)) {
          int v = Integer.parseInt(p.toStringUtf8());
          assertTrue(v > last, "each stream sees its messages in FIFO order");
          last = v;
          all.add(p.toStringUtf8());
          total++;
        }
      }
    }
    assertEquals(n, total, "no message twice");
    assertEquals(n, all.size(), "every message once");
  }

  @Test
  void unacknowledged_messages_return_to_the_head_when_the_client_cancels__S_EXT_REDELIVER() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    for (int i = 0; i < 10; i++) {
      send(id, new byte[] {(byte) i});
    }
    RawStream s = new RawStream(transport).open(id, 5, MANY);
    int got = 0;
    while (got < 5) {
      got += payloads(s.nextFrame()).size();
    }
    s.send(ClientFrame.newBuilder().setAck(Ack.newBuilder().setUpToSeq(2)).build());
    // Frames are processed in order: once this send is answered, the ack has been taken.
    s.send(ClientFrame.newBuilder().setSend(Send.newBuilder().setFirstSeq(1).addPayloads(ByteString.copyFrom(new byte[] {99}))).build());
    ServerFrame answer;
    do {
      answer = s.nextFrame();
    } while (answer.getFrameCase() != ServerFrame.FrameCase.SEND_RESULTS);
    s.cancel(); // the client gives up: cancels the call
    awaitMessages(id, 9);
    for (int i = 2; i < 10; i++) {
      assertEquals(i, stub.receive(ReceiveRequest.newBuilder().setChannelId(id).setTimeoutMs(1000).build()).getPayload().byteAt(0),
        "unacknowledged messages back at the head, in order");
    }
    assertEquals(99, stub.receive(ReceiveRequest.newBuilder().setChannelId(id).setTimeoutMs(1000).build()).getPayload().byteAt(0));
  }

  @Test
  void unacknowledged_messages_return_to_the_head_when_the_connection_is_cut__S_EXT_REDELIVER() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    for (int i = 0; i < 6; i++) {
      send(id, new byte[] {(byte) i});
    }
    ManagedChannel doomed = newTransport();
    RawStream s = new RawStream(doomed).open(id, 6, MANY);
    int got = 0;
    while (got < 6) {
      got += payloads(s.nextFrame()).size();
    }
    assertEquals(0, messages(id));
    doomed.shutdownNow();
    awaitMessages(id, 6);
    assertEquals(0, stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build()).getPayload().byteAt(0), "back in original order");
  }

  @Test
  void release_gives_back_unacknowledged_messages_and_withdraws_credit__S_FIX_CANCEL() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    for (int i = 0; i < 4; i++) {
      send(id, new byte[] {(byte) i});
    }
    RawStream s = new RawStream(transport).open(id, 4, MANY);
    int got = 0;
    while (got < 4) {
      got += payloads(s.nextFrame()).size();
    }
    s.send(ClientFrame.newBuilder().setAck(Ack.newBuilder().setUpToSeq(1)).build());
    s.send(ClientFrame.newBuilder().setRelease(Release.getDefaultInstance()).build());
    ServerFrame released = s.nextFrame();
    assertEquals(ServerFrame.FrameCase.RELEASED, released.getFrameCase());
    assertEquals(4, released.getReleased().getUpToSeq());
    assertEquals(3, released.getReleased().getReturned());
    assertEquals(3, messages(id));
    send(id, new byte[] {9});
    assertNull(s.next(200), "no credit after a release");
    assertEquals(1, stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build()).getPayload().byteAt(0));
  }

  @Test
  void a_closed_frame_follows_the_last_message_when_the_channel_is_closed_and_drained__S_CLOSE_4() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    send(id, new byte[] {1});
    send(id, new byte[] {2});
    stub.close(CloseRequest.newBuilder().setChannelId(id).build());
    RawStream s = new RawStream(transport).open(id, 10, MANY);
    assertEquals(2, payloads(s.nextFrame()).size());
    assertEquals(ServerFrame.FrameCase.CLOSED, s.nextFrame().getFrameCase());
  }

  @Test
  void sends_on_a_stream_get_one_result_per_payload_and_a_bad_term_does_not_end_the_stream__S_FIX_DECODE() {
    String id = create(ChannelKind.CHANNEL_KIND_TERM, 0);
    RawStream s = new RawStream(transport).open(id, 0, 0);
    ByteString good = ByteString.copyFrom(Etf.encode(Term.atom("ok")).getBytes());
    s.send(ClientFrame.newBuilder().setSend(Send.newBuilder().setFirstSeq(1)
      .addPayloads(good).addPayloads(ByteString.copyFromUtf8("not etf")).addPayloads(good)).build());
    ServerFrame r = s.nextFrame();
    assertEquals(ServerFrame.FrameCase.SEND_RESULTS, r.getFrameCase());
    assertEquals(1, r.getSendResults().getFirstSeq());
    assertEquals(List.of(SendResult.SEND_RESULT_OK, SendResult.SEND_RESULT_INVALID, SendResult.SEND_RESULT_OK), r.getSendResults().getResultsList());
    assertTrue(r.getSendResults().getDetail().length() > 0, "detail says why");
    assertEquals(2, messages(id));
    s.send(ClientFrame.newBuilder().setSend(Send.newBuilder().setFirstSeq(4).addPayloads(good)).build());
    assertEquals(4, s.nextFrame().getSendResults().getFirstSeq(), "the stream goes on");
  }

  @Test
  void protocol_misuse_is_failed_precondition() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    RawStream noOpen = new RawStream(transport);
    noOpen.send(ClientFrame.newBuilder().setCredit(Credit.newBuilder().setMessages(1)).build());
    assertEquals(Status.Code.FAILED_PRECONDITION, noOpen.status().getCode());

    RawStream twice = new RawStream(transport).open(id, 0, 0);
    twice.send(ClientFrame.newBuilder().setOpen(io.github.vertxchannels.grpc.v1.OpenStream.newBuilder().setChannelId(id)).build());
    assertEquals(Status.Code.FAILED_PRECONDITION, twice.status().getCode());

    RawStream badAck = new RawStream(transport).open(id, 0, 0);
    badAck.send(ClientFrame.newBuilder().setAck(Ack.newBuilder().setUpToSeq(5)).build());
    Status status = badAck.status();
    assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode());
    assertTrue(status.getDescription().contains("5"), status.getDescription());

    RawStream unknown = new RawStream(transport);
    unknown.send(ClientFrame.newBuilder().setOpen(io.github.vertxchannels.grpc.v1.OpenStream.newBuilder().setChannelId("nobody.abc")).build());
    assertEquals(Status.Code.NOT_FOUND, unknown.status().getCode());
  }

  private void awaitMessages(String id, long expected) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (messages(id) != expected) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("expected " + expected + " messages in the channel, found " + messages(id));
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }
}
