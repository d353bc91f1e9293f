package io.github.vertxchannels;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Channel#sendAll}: a batch of blocking sends in one request, with the contract of
 * S-EXT-SENDWAIT for each payload in order; what was sent is always a prefix.
 */
class SendAllTest extends ChannelTestBase {

  private static List<Buffer> payloads(ChannelKind kind, int n, int size, int first) {
    List<Buffer> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(payload(kind, size, first + i));
    }
    return list;
  }

  private static void assertReceivedInOrder(Channel ch, List<Buffer> expected) {
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i), await(ch.receive(5000)).payload(), "message " + i + " in order (S-FIFO)");
    }
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_batch_that_fits_is_enqueued_at_once_in_order__S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 0);
    List<Buffer> batch = payloads(kind, 100, 20, 0);
    SendAllResult r = await(ch.sendAll(batch, -1));
    assertEquals(new SendAllResult(100, 100, false, false), r);
    assertTrue(r.allSent());
    assertEquals(100, await(ch.info()).messages());
    assertReceivedInOrder(ch, batch);
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_batch_waits_for_room_payload_by_payload_and_never_reorders__S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 30); // room for three payloads of 10 bytes
    List<Buffer> batch = payloads(kind, 10, 10, 0);
    Future<SendAllResult> sending = ch.sendAll(batch, -1);
    // The first three went in; the batch waits as one sender for the rest.
    ChannelInfo info = await(ch.info());
    assertEquals(3, info.messages());
    assertEquals(1, info.waitingSenders());
    assertReceivedInOrder(ch, batch); // each receive makes room for the next payload
    assertEquals(new SendAllResult(10, 10, false, false), await(sending));
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_batch_does_not_overtake_earlier_waiting_senders_nor_later_ones_it__S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 10);
    await(ch.send(payload(kind, 10, 0)));
    Future<SendResult> first = ch.send(payload(kind, 10, 1), -1);
    Future<SendAllResult> batch = ch.sendAll(payloads(kind, 3, 10, 2), -1);
    Future<SendResult> last = ch.send(payload(kind, 10, 5), -1);
    List<Buffer> expected = payloads(kind, 6, 10, 0);
    assertReceivedInOrder(ch, expected);
    assertEquals(SendResult.OK, await(first));
    assertTrue(await(batch).allSent());
    assertEquals(SendResult.OK, await(last));
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_timeout_reports_the_prefix_that_was_sent_and_enqueues_nothing_more__S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 20);
    List<Buffer> batch = payloads(kind, 5, 10, 0);
    SendAllResult r = await(ch.sendAll(batch, 50));
    assertEquals(new SendAllResult(2, 5, false, true), r);
    assertFalse(r.allSent());
    ChannelInfo info = await(ch.info());
    assertEquals(2, info.messages());
    assertEquals(0, info.waitingSenders());
    assertReceivedInOrder(ch, batch.subList(0, 2));
    assertEquals(new SendAllResult(1, 3, false, true), await(ch.sendAll(payloads(kind, 3, 15, 9), 0)),
      "timeout 0: only what fits now");
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void closing_the_channel_while_a_batch_waits_answers_closed_for_the_rest__S_CLOSE_3(ChannelKind kind) {
    Channel ch = newChannel(kind, 10);
    Future<SendAllResult> sending = ch.sendAll(payloads(kind, 4, 10, 0), -1);
    assertEquals(1, await(ch.info()).waitingSenders());
    await(ch.close());
    assertEquals(new SendAllResult(1, 4, true, false), await(sending));
    assertEquals(new SendAllResult(0, 2, true, false), await(ch.sendAll(payloads(kind, 2, 10, 0), -1)),
      "a closed channel takes nothing (S-SEND-1)");
    assertEquals(payload(kind, 10, 0), await(ch.receive(1000)).payload(), "what was sent stays (S-CLOSE-2)");
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_payload_larger_than_max_size_refuses_the_whole_batch__S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 10);
    List<Buffer> batch = payloads(kind, 2, 10, 0);
    batch.add(payload(kind, 11, 2));
    MessageTooLargeException e = awaitFailure(MessageTooLargeException.class, ch.sendAll(batch, -1));
    assertTrue(e.getMessage().contains("payload 2 of 11 bytes"), e.getMessage());
    assertEquals(0, await(ch.info()).messages(), "nothing was enqueued");
  }

  @Test
  void an_invalid_term_refuses_the_whole_batch_and_loses_nothing__S_FIX_DECODE() {
    Channel ch = newChannel(ChannelKind.TERM, 0);
    await(ch.send(message(ChannelKind.TERM, 0)));
    List<Buffer> batch = new ArrayList<>(List.of(message(ChannelKind.TERM, 1), Buffer.buffer(new byte[] {(byte) 131, 97})));
    InvalidArgumentException e = awaitFailure(InvalidArgumentException.class, ch.sendAll(batch, -1));
    assertTrue(e.getMessage().startsWith("payload 1: "), e.getMessage());
    assertTrue(e.getMessage().endsWith("nothing was sent"), e.getMessage());
    ChannelInfo info = await(ch.info());
    assertEquals(1, info.messages(), "only the message accepted before");
    assertEquals(message(ChannelKind.TERM, 0), await(ch.receive(1000)).payload());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void an_empty_batch_sends_nothing(ChannelKind kind) {
    Channel ch = newChannel(kind, 10);
    assertEquals(new SendAllResult(0, 0, false, false), await(ch.sendAll(List.of(), -1)));
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void a_stream_consumer_gets_every_message_of_many_batches_in_order__S_EXT_PUSH(ChannelKind kind) {
    Channel ch = newChannel(kind, 200);
    int batches = 50;
    List<Future<SendAllResult>> sends = new ArrayList<>();
    List<Buffer> all = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      List<Buffer> batch = payloads(kind, 16, 12, b * 16);
      all.addAll(batch);
      sends.add(ch.sendAll(batch, -1));
    }
    assertReceivedInOrder(ch, all);
    for (Future<SendAllResult> s : sends) {
      assertTrue(await(s).allSent());
    }
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void when_the_head_sender_times_out_the_next_one_goes_in_if_it_fits__S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 40);
    await(ch.send(payload(kind, 30, 0)));
    Future<SendResult> big = ch.send(payload(kind, 20, 1), 50);
    Future<SendResult> small = ch.send(payload(kind, 10, 2), -1); // fits, but waits behind the big one
    assertEquals(2, await(ch.info()).waitingSenders());
    awaitFailure(ChannelTimeoutException.class, big);
    assertEquals(SendResult.OK, await(small), "admitted as soon as the big one gave up, without another event");
    assertEquals(40, await(ch.info()).size());
  }

  @ParameterizedTest
  @EnumSource(ChannelKind.class)
  void waiting_receivers_taking_the_first_payloads_make_room_for_the_rest_of_the_batch__S_EXT_SENDWAIT(ChannelKind kind) {
    Channel ch = newChannel(kind, 20); // room for two payloads of 10 bytes
    List<Future<ReceiveResult>> receivers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      receivers.add(ch.receive(-1));
    }
    List<Buffer> batch = payloads(kind, 6, 10, 0);
    // Two go in, the receivers take them at once, which makes room for the next two, and so on:
    // the batch completes with no other event.
    assertEquals(new SendAllResult(6, 6, false, false), await(ch.sendAll(batch, -1)));
    for (int i = 0; i < 6; i++) {
      assertEquals(batch.get(i), await(receivers.get(i)).payload(), "receiver " + i + " in order");
    }
  }
}
