package io.github.vertxchannels.grpc;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.ReceiveStatus;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResponse;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.TryReceiveRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15: what all clients together can pin in one server is bounded, so that one client
 * filling channel after channel (each within its max_size and every per-client limit) cannot run
 * the server out of memory and take the other clients' channels with it.
 *
 * <p>S-EXT-MEMORY: max_total_bytes bounds the messages all channels of the node hold (queued, pushed and not
 * acknowledged, reserved, plus a per-message overhead): beyond it a send is treated like a send
 * into a full channel (S-SEND-2: busy; S-EXT-SENDWAIT: a blocking send waits, event-driven, and
 * goes in as soon as any channel gives memory back). max_pending_bytes bounds the sends of all
 * connections waiting in the server.
 */
class NodeMemoryTest extends GrpcTestBase {

  private static final int CHUNK = 30_000;

  @Override
  protected JsonObject serverConfig() {
    return super.serverConfig().put("max_total_bytes", 100_000).put("max_pending_bytes", 5_000);
  }

  private static SendRequest send(String id, int size, boolean wait) {
    return SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFrom(new byte[size]))
      .setWait(wait).setTimeoutMs(-1).build();
  }

  private static int waitingSenders(ChannelServiceGrpc.ChannelServiceBlockingStub s, String id) {
    return s.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getWaitingSenders();
  }

  private static void awaitWaitingSenders(ChannelServiceGrpc.ChannelServiceBlockingStub s, String id, int n)
      throws InterruptedException {
    for (int i = 0; i < 1000 && waitingSenders(s, id) != n; i++) {
      Thread.sleep(10);
    }
    assertEquals(n, waitingSenders(s, id));
  }

  @Test
  void channels_filled_by_one_client_cannot_exhaust_the_node_and_the_others_wait_for_memory() throws Exception {
    // The attacker fills channels, each well within its own max_size, until the node is full.
    String[] filled = new String[3];
    for (int i = 0; i < filled.length; i++) {
      filled[i] = create(ChannelKind.CHANNEL_KIND_BYTES, 40_000);
      assertEquals(SendResult.SEND_RESULT_OK, stub.send(send(filled[i], CHUNK, false)).getResult());
    }
    String fourth = create(ChannelKind.CHANNEL_KIND_BYTES, 40_000);
    assertEquals(SendResult.SEND_RESULT_BUSY, stub.send(send(fourth, CHUNK, false)).getResult(),
      "an empty channel answers busy once the node's memory is used up");
    assertEquals(0, stub.info(InfoRequest.newBuilder().setChannelId(fourth).build()).getInfo().getSize());

    // Another client, its own channel: busy when it must not wait, waits when it may.
    ChannelServiceGrpc.ChannelServiceBlockingStub victim = ChannelServiceGrpc.newBlockingStub(newTransport());
    String own = victim.create(io.github.vertxchannels.grpc.v1.CreateRequest.newBuilder()
      .setKind(ChannelKind.CHANNEL_KIND_BYTES).setMaxSize(40_000).build()).getInfo().getId();
    assertEquals(SendResult.SEND_RESULT_BUSY, victim.send(send(own, 10_000, false)).getResult());
    ListenableFuture<SendResponse> waiting = ChannelServiceGrpc.newFutureStub(newTransport()).send(send(own, 10_000, true));
    awaitWaitingSenders(victim, own, 1);
    assertFalse(waiting.isDone());

    // Memory given back anywhere on the node (the attacker's channel drained) lets it in.
    assertEquals(ReceiveStatus.RECEIVE_STATUS_MESSAGE,
      stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(filled[0]).build()).getStatus());
    assertEquals(SendResult.SEND_RESULT_OK, waiting.get(10, TimeUnit.SECONDS).getResult());
    assertEquals(10_000, victim.tryReceive(TryReceiveRequest.newBuilder().setChannelId(own).build()).getPayload().size());

    // Nothing accepted was lost.
    for (int i = 1; i < filled.length; i++) {
      assertEquals(CHUNK, stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(filled[i]).build()).getPayload().size());
    }
  }

  @Test
  void many_empty_messages_are_bounded_too() {
    // Each queued message costs the node its overhead: a flood of empty payloads ends in busy.
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    int accepted = 0;
    while (stub.send(send(id, 0, false)).getResult() == SendResult.SEND_RESULT_OK) {
      accepted++;
      assertTrue(accepted < 100_000, "empty payloads are never refused");
    }
    assertTrue(accepted > 0);
    assertEquals(accepted, stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getMessages());
  }

  @Test
  void sends_waiting_from_all_connections_are_bounded_together() throws Exception {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 1_000);
    assertEquals(SendResult.SEND_RESULT_OK, stub.send(send(id, 1_000, false)).getResult());
    // Two connections' blocking sends wait, each far under its own 64 MiB budget ...
    ListenableFuture<SendResponse> first = ChannelServiceGrpc.newFutureStub(newTransport()).send(send(id, 1_000, true));
    ListenableFuture<SendResponse> second = ChannelServiceGrpc.newFutureStub(newTransport()).send(send(id, 1_000, true));
    awaitWaitingSenders(stub, id, 2);
    // ... and another connection, with nothing waiting of its own, is refused by the total.
    ChannelServiceGrpc.ChannelServiceBlockingStub third = ChannelServiceGrpc.newBlockingStub(newTransport());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> third.send(send(id, 4_000, true)));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("max_pending_bytes (5000)"), e.getStatus().getDescription());
    // Nothing was lost: the waiting sends go in as room frees.
    for (int i = 0; i < 2; i++) {
      assertEquals(1_000, stub.tryReceive(TryReceiveRequest.newBuilder().setChannelId(id).build()).getPayload().size());
      awaitWaitingSenders(stub, id, 1 - i);
    }
    assertEquals(SendResult.SEND_RESULT_OK, first.get(10, TimeUnit.SECONDS).getResult());
    assertEquals(SendResult.SEND_RESULT_OK, second.get(10, TimeUnit.SECONDS).getResult());
    assertEquals(1, stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo().getMessages());
  }
}
