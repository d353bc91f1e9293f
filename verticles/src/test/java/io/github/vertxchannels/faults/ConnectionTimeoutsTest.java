package io.github.vertxchannels.faults;

import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.ReceiveRequest;
import io.github.vertxchannels.grpc.v1.ReceiveStatus;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 15.8: connections that hold a socket without using it are closed: a client that connects
 * and sends nothing (handshake_timeout_ms), an established connection without traffic
 * (idle_timeout_ms, no open call and no traffic). A connection with a call waiting longer than the
 * idle timeout is kept, and other clients are served throughout.
 */
class ConnectionTimeoutsTest extends FaultsTestBase {

  @Override
  protected JsonObject serverConfig() {
    return super.serverConfig().put("handshake_timeout_ms", 300).put("idle_timeout_ms", 1500);
  }

  @Test
  void a_client_that_connects_and_sends_nothing_is_closed() throws Exception {
    try (Socket silent = new Socket("127.0.0.1", port)) {
      silent.setSoTimeout(20_000);
      InputStream in = silent.getInputStream();
      try {
        // The server may say GOAWAY-less goodbye only by closing: read until the end.
        while (in.read() >= 0) {
          // skip anything the server wrote
        }
      } catch (SocketTimeoutException e) {
        fail("a silent connection is still open after 20 s (handshake_timeout_ms = 300)");
      } catch (java.net.SocketException reset) {
        // closed by a reset: closed too
      }
    }
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    assertEquals(SendResult.SEND_RESULT_OK, send(id, new byte[] {1}), "other clients are served");
  }

  @Test
  void an_idle_connection_is_closed_and_a_waiting_one_is_kept() throws Exception {
    ManagedChannel idle = newTransport();
    ChannelServiceGrpc.newBlockingStub(idle).create(io.github.vertxchannels.grpc.v1.CreateRequest.newBuilder()
      .setKind(ChannelKind.CHANNEL_KIND_BYTES).build());
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    // A receive waiting 4 s, longer than the idle timeout: answered TIMEOUT, not cut.
    var waiting = ChannelServiceGrpc.newBlockingStub(newTransport()).withDeadlineAfter(30, TimeUnit.SECONDS);
    assertEquals(ReceiveStatus.RECEIVE_STATUS_TIMEOUT,
      waiting.receive(ReceiveRequest.newBuilder().setChannelId(id).setTimeoutMs(4000).build()).getStatus());
    // By now the idle connection (no call for > 1.5 s) was closed by the server.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (idle.getState(false) == ConnectivityState.READY) {
      assertTrue(System.nanoTime() < deadline, "the idle connection should be closed by the server");
      sleep(50);
    }
  }
}
