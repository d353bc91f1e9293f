package io.github.vertxchannels.faults;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.ReceiveStatus;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResponse;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.TryReceiveRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15.4: compressed ETF terms (tag 80) are zip bombs: 65 KB inflating to 64 MiB. Their
 * declared size is bounded by the message limit before anything is inflated (INVALID_ARGUMENT
 * naming max_message_size), and large or compressed terms are validated off the owner's event
 * loop, so that other clients' operations keep completing while such terms arrive; a send never
 * overtakes an earlier send of the same caller (S-FIX-DECODE).
 */
class CompressedTermTest extends FaultsTestBase {

  /** A message limit large enough for valid terms that take a while to inflate and validate. */
  @Override
  protected io.vertx.core.json.JsonObject serverConfig() {
    return super.serverConfig().put("max_message_size", 64 * 1024 * 1024);
  }

  /** {@code 131, 80, Size, zlib(BINARY_EXT of n zero bytes)}: a valid compressed term. */
  static byte[] zeros(int n) {
    ByteBuffer body = ByteBuffer.allocate(5 + n);
    body.put((byte) 109).putInt(n);
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
    deflater.setInput(body.array());
    deflater.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(131);
    out.write(80);
    out.writeBytes(ByteBuffer.allocate(4).putInt(5 + n).array());
    byte[] chunk = new byte[64 * 1024];
    while (!deflater.finished()) {
      out.write(chunk, 0, deflater.deflate(chunk));
    }
    deflater.end();
    return out.toByteArray();
  }

  private SendRequest sendRequest(String id, byte[] payload) {
    return SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFrom(payload)).build();
  }

  @Test
  void a_term_declaring_more_than_the_message_limit_is_refused_before_inflating() {
    String id = create(ChannelKind.CHANNEL_KIND_TERM, 0);
    byte[] bomb = zeros(64 * 1024 * 1024);
    assertTrue(bomb.length < 128 * 1024, "a bomb: " + bomb.length + " bytes");
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
      () -> stub.send(sendRequest(id, bomb)));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String text = e.getStatus().getDescription();
    assertTrue(text.contains("declares " + (64 * 1024 * 1024 + 5) + " uncompressed bytes") && text.contains("max_message_size"), text);
    awaitHolds(id, 0, 0, "nothing was enqueued");
  }

  /** The same bound for SendToAddress, whose terms are validated on the gRPC server's event loop. */
  @Test
  void send_to_address_refuses_bombs_and_validates_heavy_terms_off_the_event_loop() throws Exception {
    String address = io.github.vertxchannels.Channels.replyAddress();
    java.util.concurrent.BlockingQueue<io.vertx.core.buffer.Buffer> got = new java.util.concurrent.ArrayBlockingQueue<>(1);
    await(vertx.eventBus().<io.vertx.core.buffer.Buffer>consumer(address, m -> got.add(m.body())).completion());
    io.github.vertxchannels.grpc.v1.SendToAddressRequest.Builder r = io.github.vertxchannels.grpc.v1.SendToAddressRequest
      .newBuilder().setAddress(address).setKind(ChannelKind.CHANNEL_KIND_TERM);
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
      () -> stub.sendToAddress(r.setPayload(ByteString.copyFrom(zeros(64 * 1024 * 1024))).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("max_message_size"), e.getStatus().getDescription());
    byte[] heavy = zeros(4 * 1024 * 1024);
    stub.sendToAddress(r.setPayload(ByteString.copyFrom(heavy)).build());
    assertEquals(heavy.length, got.poll(20, TimeUnit.SECONDS).length());
  }

  /**
   * While a compressed term that really inflates to 48 MiB is being validated, a bystander's sends
   * and receives on another channel of the same owner keep completing: counted only while such a
   * send is in flight, over several of them. Before the fix the owner's event loop was busy
   * inflating for the whole time, so hardly any bystander call completed inside those windows.
   */
  @Test
  void other_clients_keep_being_served_while_a_compressed_term_is_validated() throws Exception {
    String attacked = create(ChannelKind.CHANNEL_KIND_TERM, 0);
    String mine = create(ChannelKind.CHANNEL_KIND_TERM, 0);
    byte[] heavy = zeros(48 * 1024 * 1024);
    var attacker = ChannelServiceGrpc.newFutureStub(newTransport());
    var bystander = ChannelServiceGrpc.newBlockingStub(newTransport());
    byte[] small = {(byte) 131, 97, 42}; // 42
    int during = 0;
    for (int round = 0; round < 5; round++) {
      var attack = attacker.send(sendRequest(attacked, heavy));
      while (!attack.isDone()) {
        assertEquals(SendResult.SEND_RESULT_OK, bystander.withDeadlineAfter(60, TimeUnit.SECONDS)
          .send(sendRequest(mine, small)).getResult());
        assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, bystander.withDeadlineAfter(60, TimeUnit.SECONDS)
          .tryReceive(TryReceiveRequest.newBuilder().setChannelId(mine).build()).getStatus());
        if (!attack.isDone()) {
          during++;
        }
      }
      assertEquals(SendResult.SEND_RESULT_OK, attack.get(60, TimeUnit.SECONDS).getResult());
    }
    assertTrue(during >= 20, "only " + during + " bystander round trips completed while compressed terms were validated");
    assertEquals(5, info(attacked).getMessages(), "every valid term was enqueued, once");
  }

  /** Bombs (declaring more than the limit) are refused at once, however many arrive, and nothing is enqueued. */
  @Test
  void bombs_in_flight_are_all_refused() throws Exception {
    String attacked = create(ChannelKind.CHANNEL_KIND_TERM, 0);
    byte[] bomb = zeros(128 * 1024 * 1024);
    var attacker = ChannelServiceGrpc.newFutureStub(newTransport());
    List<com.google.common.util.concurrent.ListenableFuture<SendResponse>> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(attacker.send(sendRequest(attacked, bomb)));
    }
    for (var f : sent) {
      java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
        java.util.concurrent.ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
      assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(e.getCause()).getCode());
    }
    assertEquals(0, info(attacked).getMessages());
  }

  /** A small send right after a large compressed one, from the same caller, lands after it. */
  @Test
  void a_send_never_overtakes_an_earlier_one_of_the_same_caller() throws Exception {
    String id = create(ChannelKind.CHANNEL_KIND_TERM, 0);
    var async = ChannelServiceGrpc.newFutureStub(transport);
    byte[] heavy = zeros(4 * 1024 * 1024);
    byte[] small = {(byte) 131, 97, 7};
    var first = async.send(sendRequest(id, heavy));
    var second = async.send(sendRequest(id, small));
    assertEquals(SendResult.SEND_RESULT_OK, first.get(30, TimeUnit.SECONDS).getResult());
    assertEquals(SendResult.SEND_RESULT_OK, second.get(30, TimeUnit.SECONDS).getResult());
    var r1 = stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build());
    var r2 = stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build());
    assertEquals(heavy.length, r1.getPayload().size());
    assertEquals(ByteString.copyFrom(small), r2.getPayload());
  }
}
