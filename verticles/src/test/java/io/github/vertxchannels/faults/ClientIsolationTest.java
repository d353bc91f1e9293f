package io.github.vertxchannels.faults;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.ChannelAddresses;
import io.github.vertxchannels.Channels;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.CloseRequest;
import io.github.vertxchannels.grpc.v1.CreateRequest;
import io.github.vertxchannels.grpc.v1.ReceiveRequest;
import io.github.vertxchannels.grpc.v1.ReceiveResponse;
import io.github.vertxchannels.grpc.v1.ReceiveStatus;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResponse;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.SendToAddressRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15.1 and 15.5: no client can hurt another. A client cannot forge event-bus replies
 * (SendToAddress to the event bus's sequential {@code __vertx.reply.N} addresses completed other
 * clients' pending Receive and Send calls), and what a client may create is bounded per client,
 * not per connection.
 */
class ClientIsolationTest extends FaultsTestBase {

  static final int MAX_CHANNELS = 4;
  static final long MAX_CHANNEL_SIZE = 1 << 20;

  @Override
  protected JsonObject serverConfig() {
    return super.serverConfig()
      .put("max_channels_per_connection", MAX_CHANNELS)
      .put("max_channel_size", MAX_CHANNEL_SIZE)
      .put("send_to_address_prefixes", new JsonArray().add("app.replies."));
  }

  private static Status status(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run).getStatus();
  }

  private void sendTo(String address, byte[] payload) {
    stub.sendToAddress(SendToAddressRequest.newBuilder().setAddress(address)
      .setKind(ChannelKind.CHANNEL_KIND_BYTES).setPayload(ByteString.copyFrom(payload)).build());
  }

  /**
   * The attack of issue 15.1: while another client waits in a Receive (and another in a blocking
   * Send), sweep SendToAddress over {@code __vertx.reply.1..3000}. Every forged reply is refused
   * with INVALID_ARGUMENT, and the victims see exactly what they would have seen without it.
   */
  @Test
  void forged_replies_to_event_bus_reply_addresses_are_refused_and_victims_are_unharmed() throws Exception {
    String waitedOn = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    String full = create(ChannelKind.CHANNEL_KIND_BYTES, 1024);
    assertEquals(SendResult.SEND_RESULT_OK, send(full, new byte[1024]));
    var victim = ChannelServiceGrpc.newBlockingStub(newTransport()).withDeadlineAfter(60, TimeUnit.SECONDS);
    CompletableFuture<ReceiveResponse> receive = CompletableFuture.supplyAsync(() ->
      victim.receive(ReceiveRequest.newBuilder().setChannelId(waitedOn).setTimeoutMs(-1).build()));
    CompletableFuture<SendResponse> blockedSend = CompletableFuture.supplyAsync(() ->
      victim.send(SendRequest.newBuilder().setChannelId(full).setPayload(ByteString.copyFromUtf8("later"))
        .setWait(true).setTimeoutMs(-1).build()));
    awaitWaiting(waitedOn, full);

    for (int n = 0; n <= 3000; n++) {
      String address = "__vertx.reply." + n;
      Status s = status(() -> sendTo(address, new byte[] {1}));
      assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), address + ": " + s);
      assertTrue(s.getDescription().contains("internal to the Vert.x event bus"), s.getDescription());
    }
    // The project's own internal addresses are refused too.
    for (String internal : new String[] {ChannelAddresses.CREATE, ChannelAddresses.OWNER_PREFIX + "x",
        ChannelAddresses.SUBSCRIBER_PREFIX + "x", "__vertx", "elsewhere", "x".repeat(300)}) {
      assertEquals(Status.Code.INVALID_ARGUMENT, status(() -> sendTo(internal, new byte[] {1})).getCode(), internal);
    }

    // The victims are unharmed: the receive gets the next message, the blocked send goes in once.
    assertEquals(SendResult.SEND_RESULT_OK, send(waitedOn, "next".getBytes()));
    ReceiveResponse got = receive.get(30, TimeUnit.SECONDS);
    assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, got.getStatus());
    assertEquals("next", got.getPayload().toStringUtf8());
    assertEquals(0, info(waitedOn).getMessages());
    assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE, stub.tryReceive(
      io.github.vertxchannels.grpc.v1.TryReceiveRequest.newBuilder().setChannelId(full).build()).getStatus());
    assertEquals(SendResult.SEND_RESULT_OK, blockedSend.get(30, TimeUnit.SECONDS).getResult());
    awaitHolds(full, 5, 1, "the blocked send went in exactly once");
  }

  private void awaitWaiting(String receiveOn, String sendOn) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (info(receiveOn).getWaitingReceivers() != 1 || info(sendOn).getWaitingSenders() != 1) {
      assertTrue(System.nanoTime() < deadline, "the victims should be waiting");
      sleep(10);
    }
  }

  /** Reply addresses ({@link Channels#replyAddress()}) and explicitly allowed prefixes are reachable. */
  @Test
  void reply_addresses_and_allowed_prefixes_are_reachable() throws Exception {
    for (String address : new String[] {Channels.replyAddress(), "app.replies.42"}) {
      BlockingQueue<Buffer> got = new ArrayBlockingQueue<>(1);
      await(vertx.eventBus().<Buffer>consumer(address, m -> got.add(m.body())).completion());
      sendTo(address, new byte[] {7, 8});
      Buffer b = got.poll(20, TimeUnit.SECONDS);
      assertNotNull(b, address);
      assertArrayEquals(new byte[] {7, 8}, b.getBytes());
    }
    assertTrue(Channels.replyAddress().startsWith(ChannelAddresses.REPLY_PREFIX));
  }

  /**
   * max_channels_per_connection counts per client (its IP address here; its token with auth), so
   * reconnecting does not reset it; closed channels are given back.
   */
  @Test
  void channel_budget_survives_reconnects_and_closed_channels_are_given_back() {
    String[] ids = new String[MAX_CHANNELS];
    for (int i = 0; i < MAX_CHANNELS; i++) {
      ids[i] = create(ChannelKind.CHANNEL_KIND_BYTES, 1024);
    }
    Status s = status(() -> create(ChannelKind.CHANNEL_KIND_BYTES, 1024));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("max_channels_per_connection = " + MAX_CHANNELS), s.getDescription());
    // A new connection from the same client: still at the limit.
    var reconnected = ChannelServiceGrpc.newBlockingStub(newTransport());
    CreateRequest create = CreateRequest.newBuilder().setKind(ChannelKind.CHANNEL_KIND_BYTES).setMaxSize(1024).build();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status(() -> reconnected.create(create)).getCode());
    // Closing gives back; so does a channel closed by anyone (found closed when at the limit).
    stub.close(CloseRequest.newBuilder().setChannelId(ids[0]).build());
    reconnected.create(create);
    await(io.github.vertxchannels.Channels.create(vertx).attach(ids[1]).compose(ch -> ch.close()));
    // Closed elsewhere: found closed when the client is at its limit (looked up at most once a second).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        reconnected.create(create);
        break;
      } catch (StatusRuntimeException e) {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(System.nanoTime() < deadline, "a channel closed elsewhere is given back");
        sleep(100);
      }
    }
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status(() -> reconnected.create(create)).getCode());
  }

  /** Unlimited channels are capped by max_channel_size; asking for more is INVALID_ARGUMENT naming the limit. */
  @Test
  void channel_size_is_capped() {
    String unlimited = create(ChannelKind.CHANNEL_KIND_TERM, 0);
    assertEquals(MAX_CHANNEL_SIZE, info(unlimited).getMaxSize());
    Status s = status(() -> create(ChannelKind.CHANNEL_KIND_TERM, MAX_CHANNEL_SIZE + 1));
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
    assertTrue(s.getDescription().contains("max_channel_size"), s.getDescription());
  }
}
