package io.github.vertxchannels.client;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java client's ordinary sends while its stream holds credit (S-EXT-RESERVE, issue 15): the
 * server counts that credit against them, so the client gives it back first. The server caps a
 * stream's credit at {@value #CAP} bytes, so that a producer holds less than the free room.
 */
class PipelinedStrictCreditTest extends ClientTestBase {

  private static final int CAP = 450;

  @Override
  protected JsonObject serverConfig() {
    return super.serverConfig().put("max_reserve_bytes_per_stream", CAP);
  }

  @Test
  @DisplayName("S-EXT-RESERVE, S-EXT-SENDWAIT: a blocking send beyond the credit held gives the credit back first: it fits, and size + reserved never exceeds max_size")
  void blocking_ordinary_send_while_holding_credit() {
    RemoteChannel ch = client().newByteChannel(1000);
    unarySend(ch.id(), 300);
    assertEquals(SendResult.OK, ch.send(new byte[10]), "from credit: the stream holds 450 - 10 = 440");
    // 460 bytes: beyond the credit, so an ordinary send. It fits only if the 440 are given back
    // first (310 + 460 + 440 > 1000): else the server would make it wait for ever.
    assertEquals(SendResult.OK, ch.send(new byte[460], 10_000));
    RemoteChannel observer = client().byteChannel(ch.id());
    ChannelInfo after = observer.info();
    assertEquals(770, after.size());
    assertTrue(after.size() + after.reservedBytes() <= 1000, "never over-booked: " + after);
    // Another client's non-blocking sends: busy exactly when the room is really taken.
    assertEquals(SendResult.BUSY, observer.send(new byte[231]), "770 + 231 > 1000");
    assertEquals(SendResult.OK, observer.send(new byte[230]), "770 + 230 fits exactly");
    ChannelInfo full = observer.info();
    assertEquals(1000, full.size());
    assertTrue(full.size() + full.reservedBytes() <= 1000, "never over-booked: " + full);
    assertEquals(SendResult.BUSY, ch.send(new byte[1]), "full: busy for the first producer too");
  }

  @Test
  @DisplayName("S-EXT-RESERVE, S-SEND-2: a non-blocking send beyond the credit held never over-books; others see busy exactly when it is full")
  void non_blocking_ordinary_send_while_holding_credit() {
    RemoteChannel ch = client().newByteChannel(1000);
    unarySend(ch.id(), 300);
    assertEquals(SendResult.OK, ch.send(new byte[10]));
    assertEquals(SendResult.OK, ch.send(new byte[460]), "fits once the credit is given back");
    RemoteChannel observer = client().byteChannel(ch.id());
    ChannelInfo after = observer.info();
    assertEquals(770, after.size());
    assertTrue(after.size() + after.reservedBytes() <= 1000, "never over-booked: " + after);
    assertEquals(SendResult.BUSY, observer.send(new byte[231]));
    assertEquals(SendResult.OK, observer.send(new byte[230]));
    assertEquals(1000, observer.info().size());
    // And again from credit: the next sends reserve again (nothing is free now: busy).
    assertEquals(SendResult.BUSY, ch.send(new byte[1]));
    assertTrue(observer.tryReceive().isMessage()); // 300 bytes free
    ch.flush();
    assertEquals(SendResult.OK, ch.send(new byte[300], 10_000));
    ChannelInfo last = observer.info();
    assertEquals(1000, last.size());
    assertTrue(last.size() + last.reservedBytes() <= 1000, "never over-booked: " + last);
  }

  private void unarySend(String id, int length) {
    assertEquals(io.github.vertxchannels.grpc.v1.SendResult.SEND_RESULT_OK, stub.send(SendRequest.newBuilder()
      .setChannelId(id).setPayload(ByteString.copyFrom(new byte[length])).build()).getResult());
  }
}
