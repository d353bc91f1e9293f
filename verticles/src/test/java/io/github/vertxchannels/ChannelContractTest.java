package io.github.vertxchannels;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract's sections 2 and 3 at the Java API, for both kinds of channel. Each test names the
 * behaviour and cites the rule ids it checks.
 */
class ChannelContractTest extends ChannelTestBase {

  // ------------------------------------------------------------------------------- create

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void new_channel_is_open_empty_and_unlimited_by_default__S_NEW_1(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    ChannelInfo info = await(ch.info());
    assertEquals(0, info.size());
    assertEquals(0, info.maxSize());
    assertFalse(info.closed());
    assertEquals(kind, info.kind());
    assertEquals(kind, ch.kind());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void new_channel_with_max_size_reports_it__S_NEW_1(ChannelKind kind) {
    assertEquals(200, await(newChannel(kind, 200).info()).maxSize());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void negative_max_size_is_refused_with_a_clear_error__S_FIX_OPTS(ChannelKind kind) {
    InvalidArgumentException e = awaitFailure(InvalidArgumentException.class,
      kind == ChannelKind.TERM ? channels.newChannel(-1) : channels.newByteChannel(-1));
    assertTrue(e.getMessage().contains("max_size"), e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void channel_ids_are_printable_and_carry_at_least_128_random_bits__S_MODEL_4(ChannelKind kind) {
    String a = newChannel(kind, 0).id();
    String b = newChannel(kind, 0).id();
    assertTrue(a.matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22,}"), a);
    assertFalse(a.equals(b));
  }

  // --------------------------------------------------------------------------------- send

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void send_adds_the_payload_length_to_size__S_SEND_3_S_SEND_4(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    assertEquals(SendResult.OK, await(ch.send(payload(kind, 50, 1))));
    assertEquals(SendResult.OK, await(ch.send(payload(kind, 30, 2))));
    ChannelInfo info = await(ch.info());
    assertEquals(80, info.size());
    assertEquals(2, info.messages());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void filling_to_exactly_max_size_is_ok_and_one_byte_more_is_busy__S_SEND_2(ChannelKind kind) {
    Channel ch = newChannel(kind, 100);
    assertEquals(SendResult.OK, await(ch.send(payload(kind, 50, 1))));
    assertEquals(SendResult.OK, await(ch.send(payload(kind, 50, 2))));
    assertEquals(SendResult.BUSY, await(ch.send(payload(kind, 6, 3))));
    ChannelInfo info = await(ch.info());
    assertEquals(100, info.size(), "busy enqueues nothing");
    assertEquals(2, info.messages());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_payload_larger_than_max_size_is_busy_even_on_an_empty_channel__S_SEND_5(ChannelKind kind) {
    Channel ch = newChannel(kind, 100);
    assertEquals(SendResult.BUSY, await(ch.send(payload(kind, 101, 1))));
    assertEquals(0, await(ch.info()).size());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void send_to_a_closed_channel_is_closed_even_when_full__S_SEND_1(ChannelKind kind) {
    Channel ch = newChannel(kind, 10);
    assertEquals(SendResult.OK, await(ch.send(payload(kind, 10, 1))));
    await(ch.close());
    assertEquals(SendResult.CLOSED, await(ch.send(payload(kind, 6, 2))));
    assertEquals(SendResult.CLOSED, await(ch.send(payload(kind, 6, 2), 1000)));
    assertEquals(10, await(ch.info()).size(), "nothing enqueued");
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void backpressure_frees_room_when_a_message_is_received__S_SEND_2_S_RECV_2(ChannelKind kind) {
    Channel ch = newChannel(kind, 200);
    Buffer eighty = payload(kind, 86, 7);
    assertEquals(SendResult.OK, await(ch.send(eighty)));
    assertEquals(SendResult.OK, await(ch.send(eighty)));
    assertEquals(SendResult.BUSY, await(ch.send(eighty)));
    assertTrue(await(ch.tryReceive()).isMessage());
    assertEquals(86, await(ch.info()).size());
    assertEquals(SendResult.OK, await(ch.send(payload(kind, 10, 8))));
  }

  // ------------------------------------------------------------------------------ receive

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void try_receive_on_an_open_empty_channel_is_empty_and_on_a_closed_one_closed__S_RECV_1(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    assertTrue(await(ch.tryReceive()).isEmpty());
    await(ch.close());
    assertTrue(await(ch.tryReceive()).isClosed());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void try_receive_returns_the_oldest_message_even_when_closed__S_RECV_1_S_CLOSE_2(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    await(ch.send(message(kind, 1)));
    await(ch.send(message(kind, 2)));
    await(ch.close());
    assertEquals(message(kind, 1), await(ch.tryReceive()).payload());
    assertEquals(message(kind, 2), await(ch.tryReceive()).payload());
    assertTrue(await(ch.tryReceive()).isClosed());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void receive_subtracts_the_message_length_from_size__S_RECV_2(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    await(ch.send(payload(kind, 40, 1)));
    await(ch.send(payload(kind, 60, 2)));
    await(ch.receive(1000));
    assertEquals(60, await(ch.info()).size());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void messages_come_out_in_the_order_they_were_sent__S_RECV_4_S_MODEL_3(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    for (int i = 0; i < 100; i++) {
      await(ch.send(message(kind, i)));
    }
    for (int i = 0; i < 100; i++) {
      assertEquals(message(kind, i), await(ch.receive(1000)).payload());
    }
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void blocking_receive_returns_queued_data_at_once__S_RECV_3(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    await(ch.send(message(kind, 1)));
    assertEquals(message(kind, 1), await(ch.receive(0)).payload(), "timeout 0 still returns a queued message");
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void blocking_receive_gets_data_sent_after_it_started_waiting__S_RECV_3_S_EXT_PUSH(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    Future<ReceiveResult> waiting = ch.receive(10_000);
    vertx.setTimer(50, t -> ch.send(message(kind, 9)));
    assertEquals(message(kind, 9), await(waiting).payload());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void blocking_receive_times_out_with_a_timeout_failure__S_RECV_3(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    awaitFailure(ChannelTimeoutException.class, ch.receive(50));
    awaitFailure(ChannelTimeoutException.class, ch.receive(0));
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void negative_timeout_waits_until_a_message_arrives__S_RECV_3(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    Future<ReceiveResult> forever = ch.receive(-1);
    assertEquals(1, await(ch.info()).waitingReceivers());
    await(ch.send(message(kind, 3)));
    assertEquals(message(kind, 3), await(forever).payload());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void blocking_receive_on_a_closed_empty_channel_is_closed_at_once__S_RECV_3(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    await(ch.close());
    assertTrue(await(ch.receive(-1)).isClosed());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_timed_out_receive_leaves_no_trace__S_FIX_TIMEOUT(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    awaitFailure(ChannelTimeoutException.class, ch.receive(20));
    assertEquals(0, await(ch.info()).waitingReceivers());
    await(ch.send(message(kind, 1)));
    assertEquals(message(kind, 1), await(ch.receive(1000)).payload(), "the next receive works and gets the message");
  }

  // -------------------------------------------------------------------------------- close

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void close_is_idempotent__S_CLOSE_1(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    await(ch.close());
    await(ch.close());
    assertTrue(await(ch.info()).closed());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void close_keeps_queued_messages_drainable_then_reports_closed__S_CLOSE_2(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    for (int i = 0; i < 3; i++) {
      await(ch.send(message(kind, i)));
    }
    await(ch.close());
    ChannelInfo info = await(ch.info());
    assertTrue(info.closed());
    assertEquals(3, info.messages());
    for (int i = 0; i < 3; i++) {
      assertEquals(message(kind, i), await(ch.receive(1000)).payload());
    }
    assertTrue(await(ch.receive(1000)).isClosed());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void close_wakes_every_waiting_receiver_with_closed__S_CLOSE_3(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    List<Future<ReceiveResult>> waiting = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      waiting.add(ch.receive(-1));
    }
    assertEquals(5, await(ch.info()).waitingReceivers());
    await(ch.close());
    for (Future<ReceiveResult> w : waiting) {
      assertTrue(await(w).isClosed());
    }
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void close_wakes_waiting_senders_with_closed__S_CLOSE_3_S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 10);
    await(ch.send(payload(kind, 10, 1)));
    Future<SendResult> blocked = ch.send(payload(kind, 10, 2), -1);
    assertEquals(1, await(ch.info()).waitingSenders());
    await(ch.close());
    assertEquals(SendResult.CLOSED, await(blocked));
  }

  // --------------------------------------------------------------------------------- info

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void info_reports_size_max_size_closed_and_counters__S_INFO_1(ChannelKind kind) {
    Channel ch = newChannel(kind, 1000);
    await(ch.send(payload(kind, 20, 1)));
    ChannelInfo info = await(ch.info());
    assertEquals(ch.id(), info.id());
    assertEquals(20, info.size());
    assertEquals(1000, info.maxSize());
    assertFalse(info.closed());
    assertEquals(1, info.messages());
    assertEquals(0, info.waitingReceivers());
    assertEquals(0, info.waitingSenders());
  }

  // ---------------------------------------------------------------------------- bad input

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void an_unknown_or_malformed_id_is_not_found(ChannelKind kind) {
    Channel real = newChannel(kind, 0);
    String forged = real.id().substring(0, real.id().indexOf('.') + 1) + "AAAAAAAAAAAAAAAAAAAAAA";
    awaitFailure(UnknownChannelException.class, channels.attach(forged));
    awaitFailure(UnknownChannelException.class, channels.attach("no-such-channel"));
    awaitFailure(UnknownChannelException.class, channels.attach("nobody.AAAAAAAAAAAAAAAAAAAAAA"));
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void attaching_with_the_wrong_kind_fails_and_the_right_kind_works(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    if (kind == ChannelKind.TERM) {
      awaitFailure(WrongKindException.class, channels.byteChannel(ch.id()));
      assertEquals(ch.id(), await(channels.channel(ch.id())).id());
    } else {
      awaitFailure(WrongKindException.class, channels.channel(ch.id()));
      assertEquals(ch.id(), await(channels.byteChannel(ch.id())).id());
    }
    assertEquals(kind, await(channels.attach(ch.id())).kind());
  }
}
