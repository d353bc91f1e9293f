package io.github.vertxchannels.client;

import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.ChannelTimeoutException;
import io.github.vertxchannels.InvalidArgumentException;
import io.github.vertxchannels.MessageTooLargeException;
import io.github.vertxchannels.ReceiveResult;
import io.github.vertxchannels.SendAllResult;
import io.github.vertxchannels.SendResult;
import io.vertx.core.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java client's pipelined per-call send over producer credit (S-EXT-RESERVE). */
class PipelinedSendTest extends ClientTestBase {


  @Test
  @DisplayName("S-EXT-RESERVE, S-RECV-4: pipelined sends are OK at once and arrive exactly once, in order")
  void pipelined_sends_arrive_in_order() {
    RemoteChannel ch = client().newByteChannel(0);
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      assertEquals(SendResult.OK, ch.send(bytes(i)));
    }
    ch.flush();
    assertEquals(n, ch.info().messages());
    RemoteChannel reader = client().byteChannel(ch.id());
    for (int i = 0; i < n; i++) {
      ReceiveResult r = reader.tryReceive();
      assertArrayEquals(bytes(i), r.payload().getBytes(), "message " + i);
    }
  }

  @Test
  @DisplayName("S-EXT-RESERVE, S-SEND-2: an OK means reserved room; the rest of a full channel is BUSY, for this client and others")
  void ok_is_reserved_room_then_busy() {
    RemoteChannel ch = client().newByteChannel(100);
    assertEquals(SendResult.OK, ch.send(new byte[50]));
    assertEquals(SendResult.OK, ch.send(new byte[50]));
    assertEquals(SendResult.BUSY, ch.send(new byte[1]), "filled exactly: busy (S-SEND-2)");
    RemoteChannel other = client().byteChannel(ch.id());
    assertEquals(SendResult.BUSY, other.send(new byte[1]));
    ChannelInfo info = ch.info();
    assertEquals(100, info.size());
    assertEquals(SendResult.BUSY, ch.send(new byte[101]), "larger than max_size: busy (S-SEND-5)");
  }

  @Test
  @DisplayName("S-EXT-SENDWAIT: a blocking send waits for room, times out, refuses what can never fit, answers closed")
  void blocking_semantics() throws Exception {
    RemoteChannel ch = client().newByteChannel(100);
    assertEquals(SendResult.OK, ch.send(new byte[100], 1000));
    assertThrows(ChannelTimeoutException.class, () -> ch.send(new byte[10], 200));
    assertThrows(MessageTooLargeException.class, () -> ch.send(new byte[101], 1000));
    RemoteChannel reader = client().byteChannel(ch.id());
    CompletableFuture<SendResult> waiting = CompletableFuture.supplyAsync(() -> ch.send(new byte[60], 20_000));
    awaitInfo(reader, i -> i.waitingSenders() == 1);
    assertTrue(reader.tryReceive().isMessage());
    assertEquals(SendResult.OK, waiting.get(20, TimeUnit.SECONDS));
    reader.close();
    // A channel object without credit learns it from the server at once (S-SEND-1).
    RemoteChannel late = client().byteChannel(ch.id());
    assertEquals(SendResult.CLOSED, late.send(new byte[1]));
    assertEquals(SendResult.CLOSED, late.send(new byte[1], 1000));
  }

  @Test
  @DisplayName("S-EXT-RESERVE: sends reported OK that the server could not enqueue (closed meanwhile) are raised with the messages")
  void ok_then_closed_is_raised_with_the_messages() {
    RemoteChannel ch = client().newByteChannel(1000);
    assertEquals(SendResult.OK, ch.send(new byte[] {0}));
    ch.flush(); // the stream holds credit now
    client().byteChannel(ch.id()).close();
    // Whatever the timing (the server's CLOSED answers may come back while this loop runs, and a
    // loaded machine may let the idle credit go first): every send reported OK that the server
    // could not enqueue is raised, with its message, at a later send or at flush; none is lost.
    List<Integer> okd = new ArrayList<>();
    List<Integer> raised = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      try {
        SendResult r = ch.send(new byte[] {(byte) i});
        if (r == SendResult.OK) {
          okd.add(i);
        } else {
          assertEquals(SendResult.CLOSED, r, "without credit: the server's answer");
        }
      } catch (UnconfirmedSendsException e) {
        assertTrue(e.closed(), e.getMessage());
        e.messages().forEach(m -> raised.add((int) m[0]));
      }
    }
    try {
      ch.flush();
    } catch (UnconfirmedSendsException e) {
      assertTrue(e.closed(), e.getMessage());
      e.messages().forEach(m -> raised.add((int) m[0]));
    }
    assertEquals(okd, raised, "every OK'd message raised, in order");
    assertEquals(SendResult.CLOSED, ch.send(new byte[] {9}), "then: closed");
  }

  @Test
  @DisplayName("S-EXT-RESERVE: a stream that breaks raises at the next call with the unconfirmed messages, never loses them silently")
  void broken_stream_raises_unconfirmed() throws Exception {
    RemoteChannel ch = client().newByteChannel(1000);
    assertEquals(SendResult.OK, ch.send(new byte[] {1}));
    ch.flush(); // credit 999 held
    // A send beyond the credit gives the credit back, then waits at the server (no room for 1000 bytes) ...
    CompletableFuture<Throwable> big = CompletableFuture.supplyAsync(() -> failureOf(() -> ch.send(new byte[1000], 30_000)));
    RemoteChannel observer = client().byteChannel(ch.id());
    awaitInfo(observer, i -> i.waitingSenders() == 1);
    // ... so a send after it (ordinary too: no credit is asked for while the waiting one waits)
    // is enqueued, but confirmed only after the waiting one.
    CompletableFuture<Throwable> small = CompletableFuture.supplyAsync(() -> failureOf(() -> ch.send(new byte[] {2})));
    awaitInfo(observer, i -> i.messages() == 2);
    for (String id : vertx.deploymentIDs()) {
      await(vertx.undeploy(id).recover(err -> Future.succeededFuture()));
    }
    // Both fail promptly (long before the 30 s timeout), one of them with every unconfirmed message.
    List<Throwable> failures = List.of(big.get(20, TimeUnit.SECONDS), small.get(20, TimeUnit.SECONDS));
    assertTrue(failures.stream().noneMatch(f -> f == null || f instanceof ChannelTimeoutException), "failed: " + failures);
    List<UnconfirmedSendsException> raised = new ArrayList<>();
    for (Throwable f : failures) {
      if (f instanceof UnconfirmedSendsException e) {
        raised.add(e);
      }
    }
    assertFalse(raised.isEmpty(), "raised: " + failures);
    assertTrue(raised.stream().noneMatch(UnconfirmedSendsException::closed));
    List<byte[]> unconfirmed = raised.stream().flatMap(e -> e.messages().stream()).toList();
    assertTrue(unconfirmed.stream().anyMatch(m -> Arrays.equals(m, new byte[] {2})), "the small send is unconfirmed");
    assertTrue(unconfirmed.stream().anyMatch(m -> m.length == 1000), "the waiting send is unconfirmed");
  }

  @Test
  @DisplayName("S-EXT-RESERVE: an idle producer gives its reservation back, so others stop seeing busy")
  void idle_producer_gives_reservation_back() {
    RemoteChannel ch = client().newByteChannel(1000);
    assertEquals(SendResult.OK, ch.send(new byte[100]));
    ch.flush();
    RemoteChannel other = client().byteChannel(ch.id());
    ChannelInfo info = awaitInfo(other, i -> i.reservedBytes() == 0);
    assertEquals(100, info.size());
    assertEquals(SendResult.OK, other.send(new byte[900]), "all the room is free again");
    // And the idle producer reserves again when it sends again.
    assertEquals(SendResult.BUSY, ch.send(new byte[1]));
  }

  @Test
  @DisplayName("S-EXT-SENDWAIT: sendAll is pipelined; the ones sent are a prefix; TOO_LARGE sends nothing")
  void send_all() {
    RemoteChannel ch = client().newByteChannel(300);
    SendAllResult r = ch.sendAll(List.of(new byte[100], new byte[100], new byte[100], new byte[100]), 200);
    assertEquals(3, r.sent());
    assertTrue(r.timedOut());
    assertThrows(MessageTooLargeException.class, () -> ch.sendAll(List.of(new byte[1], new byte[301]), 1000));
    assertEquals(300, ch.info().size(), "nothing of the refused batch was sent");
  }

  @Test
  @DisplayName("S-FIX-DECODE: a pipelined send of a malformed term is refused at once, nothing sent")
  void malformed_term_is_refused_at_once() {
    RemoteChannel ch = client().newChannel(0);
    assertThrows(InvalidArgumentException.class, () -> ch.send(new byte[] {1, 2, 3}));
    assertEquals(SendResult.OK, ch.send(new byte[] {(byte) 131, 97, 1}));
    assertEquals(1, ch.info().messages());
  }

  @Test
  @DisplayName("S-CLOSE-2: close waits for every pipelined send to be confirmed before closing the channel")
  void close_waits_for_confirmations() {
    RemoteChannel ch = client().newByteChannel(0);
    for (int i = 0; i < 5000; i++) {
      assertEquals(SendResult.OK, ch.send(bytes(i)));
    }
    ch.close();
    RemoteChannel reader = client().byteChannel(ch.id());
    for (int i = 0; i < 5000; i++) {
      assertArrayEquals(bytes(i), reader.tryReceive().payload().getBytes());
    }
    assertTrue(reader.tryReceive().isClosed());
  }

  @Test
  @DisplayName("S-CLOSE-3, S-EXT-SENDWAIT: close is not held back by a blocking send of another thread; that send gets CLOSED")
  void close_wakes_a_blocked_sender_of_the_same_channel_object() throws Exception {
    RemoteChannel ch = client().newByteChannel(10);
    assertEquals(SendResult.OK, ch.send(new byte[10]));
    CompletableFuture<SendResult> waiting = CompletableFuture.supplyAsync(() -> ch.send(new byte[5], -1));
    awaitInfo(client().byteChannel(ch.id()), i -> i.waitingSenders() == 1);
    ch.close();
    assertEquals(SendResult.CLOSED, waiting.get(20, TimeUnit.SECONDS));
  }

  @Test
  @DisplayName("S-SEND-2, S-EXT-CREDIT: a RemoteStream with a window larger than the channel acknowledges before waiting, so blocking senders never wedge")
  void remote_stream_acknowledges_before_waiting() throws Exception {
    RemoteChannel ch = client().newByteChannel(8);
    CompletableFuture<Integer> consumed = CompletableFuture.supplyAsync(() -> {
      try (RemoteStream rs = client().byteChannel(ch.id()).stream(64, 1 << 20)) {
        int n = 0;
        while (rs.next(20_000) != null) {
          n++;
        }
        return n;
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    });
    for (int i = 0; i < 200; i++) {
      assertEquals(SendResult.OK, ch.send(bytes(i), 10_000));
    }
    ch.close();
    assertEquals(200, consumed.get(30, TimeUnit.SECONDS));
  }

  private static Throwable failureOf(Runnable call) {
    try {
      call.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  private static byte[] bytes(int i) {
    return new byte[] {(byte) (i >> 24), (byte) (i >> 16), (byte) (i >> 8), (byte) i};
  }

  private static ChannelInfo awaitInfo(RemoteChannel ch, Predicate<ChannelInfo> condition) {
    ChannelInfo last = null;
    for (int i = 0; i < 400; i++) {
      last = ch.info();
      if (condition.test(last)) {
        return last;
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("condition never held; last info " + last);
  }
}
