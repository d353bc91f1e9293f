package io.github.vertxchannels;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Section 3's fixes that need concurrency, and section 4's blocking send. */
class ExtensionsTest extends ChannelTestBase {

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void any_number_of_receivers_wait_and_are_served_in_the_order_they_started_waiting__S_FIX_WAITERS(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    List<Future<ReceiveResult>> waiting = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      waiting.add(ch.receive(-1));
    }
    assertEquals(20, await(ch.info()).waitingReceivers());
    for (int i = 0; i < 20; i++) {
      await(ch.send(message(kind, i)));
    }
    for (int i = 0; i < 20; i++) {
      assertEquals(message(kind, i), await(waiting.get(i)).payload(), "receiver " + i + " gets message " + i);
    }
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void concurrent_receivers_and_senders_each_message_reaches_exactly_one_receiver__S_FIX_WAITERS(ChannelKind kind) {
    Channel ch = newChannel(kind, 64);
    int n = 2000;
    List<Future<ReceiveResult>> receives = new ArrayList<>();
    List<Future<SendResult>> sends = new ArrayList<>();
    // Interleave blocking sends (the channel is small, so they queue) and blocking receives.
    for (int i = 0; i < n; i++) {
      sends.add(ch.send(message(kind, i), -1));
      receives.add(ch.receive(-1));
    }
    Set<Buffer> got = new HashSet<>();
    for (Future<ReceiveResult> r : receives) {
      assertTrue(got.add(await(r).payload()), "no message twice");
    }
    for (Future<SendResult> s : sends) {
      assertEquals(SendResult.OK, await(s));
    }
    assertEquals(n, got.size());
    ChannelInfo info = await(ch.info());
    assertEquals(0, info.messages());
    assertEquals(0, info.waitingReceivers());
    assertEquals(0, info.waitingSenders());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void receives_that_time_out_while_messages_arrive_never_lose_one__S_FIX_CANCEL(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    int n = 300;
    List<Future<ReceiveResult>> receives = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      receives.add(ch.receive(i % 3)); // timeouts of 0, 1 and 2 ms race with the sends below
      ch.send(message(kind, i));
    }
    List<Buffer> got = new ArrayList<>();
    for (Future<ReceiveResult> r : receives) {
      try {
        got.add(await(r).payload());
      } catch (ChannelTimeoutException timedOut) {
        // fine: the message it did not take is still in the channel
      }
    }
    ReceiveResult rest;
    while ((rest = await(ch.tryReceive())).isMessage()) {
      got.add(rest.payload());
    }
    assertEquals(n, got.size(), "every message was either received or still in the channel");
    assertEquals(n, new HashSet<>(got).size());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void blocking_send_waits_for_room_then_enqueues__S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 100);
    await(ch.send(payload(kind, 100, 1)));
    Future<SendResult> blocked = ch.send(payload(kind, 60, 2), 10_000);
    assertEquals(1, await(ch.info()).waitingSenders());
    assertTrue(await(ch.receive(1000)).isMessage(), "room is made");
    assertEquals(SendResult.OK, await(blocked));
    assertEquals(60, await(ch.info()).size());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void blocking_send_times_out_and_enqueues_nothing__S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 10);
    await(ch.send(payload(kind, 10, 1)));
    awaitFailure(ChannelTimeoutException.class, ch.send(payload(kind, 10, 2), 30));
    awaitFailure(ChannelTimeoutException.class, ch.send(payload(kind, 10, 2), 0));
    ChannelInfo info = await(ch.info());
    assertEquals(1, info.messages());
    assertEquals(0, info.waitingSenders());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void blocking_send_of_a_payload_larger_than_max_size_fails_at_once_as_too_large__S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 10);
    MessageTooLargeException e = awaitFailure(MessageTooLargeException.class, ch.send(payload(kind, 11, 1), -1));
    assertTrue(e.getMessage().contains("11 bytes"), e.getMessage());
    assertEquals(SendResult.BUSY, await(ch.send(payload(kind, 11, 1))), "the non-blocking send says busy (S-SEND-5)");
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void waiting_senders_are_served_in_arrival_order__S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 10);
    await(ch.send(payload(kind, 10, 0)));
    List<Future<SendResult>> blocked = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      blocked.add(ch.send(payload(kind, 10, i), -1));
    }
    for (int i = 0; i <= 5; i++) {
      assertEquals(payload(kind, 10, i), await(ch.receive(1000)).payload());
    }
    for (Future<SendResult> b : blocked) {
      assertEquals(SendResult.OK, await(b));
    }
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_channel_outlives_the_verticle_that_created_it__S_FIX_OWNER(ChannelKind kind) {
    List<String> ids = Collections.synchronizedList(new ArrayList<>());
    String deployment = await(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        Promise<Void> done = Promise.promise();
        Channels api = Channels.create(vertx);
        (kind == ChannelKind.TERM ? api.newChannel().map(Channel.class::cast) : api.newByteChannel().map(Channel.class::cast))
          .compose(ch -> ch.send(message(kind, 1)).map(ch.id()))
          .onSuccess(ids::add)
          .onComplete(ar -> done.handle(ar.mapEmpty()));
        return done.future();
      }
    }));
    await(vertx.undeploy(deployment));
    Channel ch = await(channels.attach(ids.get(0)));
    assertEquals(message(kind, 1), await(ch.receive(1000)).payload());
  }
}
