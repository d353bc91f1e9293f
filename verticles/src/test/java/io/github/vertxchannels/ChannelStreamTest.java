package io.github.vertxchannels;

import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Consuming a channel as a Vert.x ReadStream: push delivery with credit, end on close, redelivery. */
class ChannelStreamTest extends ChannelTestBase {

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_stream_yields_the_remaining_messages_then_ends__S_CLOSE_4_S_EXT_PUSH(ChannelKind kind) throws Exception {
    Channel ch = newChannel(kind, 0);
    List<Buffer> got = Collections.synchronizedList(new ArrayList<>());
    Promise<Void> ended = Promise.promise();
    vertx.runOnContext(v -> ch.stream(4).handler(got::add).endHandler(ended::complete));
    for (int i = 0; i < 50; i++) {
      await(ch.send(message(kind, i)));
    }
    await(ch.close());
    await(ended.future());
    assertEquals(50, got.size());
    for (int i = 0; i < 50; i++) {
      assertEquals(message(kind, i), got.get(i));
    }
    assertEquals(0, await(ch.info()).messages());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_stream_with_a_window_larger_than_the_channel_never_wedges_blocking_senders__S_SEND_2_S_EXT_SENDWAIT(ChannelKind kind) throws Exception {
    // Pushed messages take room until acknowledged: a stream that has handed everything over
    // acknowledges at once, or a small channel and a large window would wait on each other.
    Channel ch = newChannel(kind, message(kind, 39).length() * 2L);
    List<Buffer> got = Collections.synchronizedList(new ArrayList<>());
    Promise<Void> ended = Promise.promise();
    vertx.runOnContext(v -> ch.stream(64).handler(got::add).endHandler(ended::complete));
    for (int i = 0; i < 40; i++) {
      assertEquals(SendResult.OK, await(ch.send(message(kind, i), 10_000)));
    }
    await(ch.close());
    await(ended.future());
    assertEquals(40, got.size());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_paused_stream_holds_no_more_than_its_credit_and_the_rest_stays_in_the_channel__S_EXT_CREDIT(ChannelKind kind) throws Exception {
    Channel ch = newChannel(kind, 0);
    for (int i = 0; i < 20; i++) {
      await(ch.send(message(kind, i)));
    }
    List<Buffer> got = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch first = new CountDownLatch(1);
    vertx.runOnContext(v -> {
      ChannelStream s = ch.stream(5);
      s.pause();
      s.handler(b -> {
        got.add(b);
        first.countDown();
      });
      s.fetch(1);
    });
    assertTrue(first.await(10, TimeUnit.SECONDS));
    // The window of 5 was pushed to the stream; the other 15 stay queued and visible to others.
    waitUntil(() -> await(ch.info()).messages() == 15);
    assertEquals(1, got.size(), "a paused stream hands over only what was fetched");
    assertEquals(message(kind, 5), await(ch.tryReceive()).payload(), "others receive what was not pushed");
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void cancelling_a_stream_returns_unconsumed_messages_to_the_head_in_order__S_EXT_REDELIVER(ChannelKind kind) throws Exception {
    Channel ch = newChannel(kind, 0);
    for (int i = 0; i < 10; i++) {
      await(ch.send(message(kind, i)));
    }
    List<Buffer> got = Collections.synchronizedList(new ArrayList<>());
    Promise<ChannelStream> stream = Promise.promise();
    CountDownLatch three = new CountDownLatch(3);
    vertx.runOnContext(v -> {
      ChannelStream s = ch.stream(8);
      s.pause();
      s.handler(b -> {
        got.add(b);
        three.countDown();
      });
      s.fetch(3);
      stream.complete(s);
    });
    assertTrue(three.await(10, TimeUnit.SECONDS));
    waitUntil(() -> await(ch.info()).messages() == 2); // 8 pushed (3 consumed, 5 held), 2 queued
    ChannelStream s = await(stream.future());
    Promise<Void> cancelled = Promise.promise();
    vertx.runOnContext(v -> s.cancel().onComplete(cancelled));
    await(cancelled.future());
    waitUntil(() -> await(ch.info()).messages() == 7);
    for (int i = 3; i < 10; i++) {
      assertEquals(message(kind, i), await(ch.receive(1000)).payload(), "message " + i + " back in order");
    }
    assertEquals(3, got.size());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void several_streams_on_one_channel_share_the_messages_each_to_exactly_one__S_FIX_WAITERS(ChannelKind kind) throws Exception {
    Channel ch = newChannel(kind, 0);
    List<Buffer> a = Collections.synchronizedList(new ArrayList<>());
    List<Buffer> b = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch ends = new CountDownLatch(2);
    vertx.runOnContext(v -> {
      ch.stream(3).handler(a::add).endHandler(x -> ends.countDown());
      ch.stream(3).handler(b::add).endHandler(x -> ends.countDown());
    });
    waitUntil(() -> await(ch.info()).waitingReceivers() == 2);
    for (int i = 0; i < 200; i++) {
      await(ch.send(message(kind, i)));
    }
    await(ch.close());
    assertTrue(ends.await(10, TimeUnit.SECONDS));
    List<Buffer> all = new ArrayList<>(a);
    all.addAll(b);
    assertEquals(200, all.size());
    assertEquals(200, all.stream().distinct().count());
    assertTrue(!a.isEmpty() && !b.isEmpty(), "both streams got messages");
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached within 10 s");
      }
      Thread.sleep(5);
    }
  }
}
