package io.github.vertxchannels;

import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.Term;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rules that differ by kind: ETF validation and sizes of terms, empty and large byte messages. */
class KindSpecificTest extends ChannelTestBase {

  @Test
  void a_term_send_counts_the_length_of_its_etf_encoding__S_SEND_3() {
    TermChannel ch = await(channels.newChannel());
    await(ch.send(Term.integer(1)));
    assertEquals(3, await(ch.info()).size(), "131,97,1");
    await(ch.send(Term.binary("abc")));
    assertEquals(12, await(ch.info()).size(), "<<\"abc\">> adds 9");
  }

  @Test
  void terms_sent_as_values_are_received_as_equal_values__S_MODEL_2() {
    TermChannel ch = await(channels.newChannel());
    Term term = Term.tuple(Term.atom("ok"), Term.integer(42), Term.binary("x"));
    assertEquals(SendResult.OK, await(ch.send(term)));
    assertEquals(term, await(ch.receive(1000)).term());
  }

  @Test
  void a_malformed_term_is_refused_and_nothing_is_enqueued__S_FIX_DECODE() {
    TermChannel ch = await(channels.newChannel());
    Buffer good = Etf.encode(Term.tuple(Term.atom("ok"), Term.integer(42)));
    Buffer[] bad = {
      Buffer.buffer(),                                   // empty
      Buffer.buffer(new byte[] {1, 2, 3}),               // no version byte
      good.getBuffer(0, good.length() - 1),              // truncated
      Buffer.buffer().appendBuffer(good).appendByte((byte) 0), // trailing byte: not exactly one term
      Buffer.buffer("hello"),                            // text, not ETF
    };
    for (Buffer b : bad) {
      InvalidArgumentException e = awaitFailure(InvalidArgumentException.class, ch.send(b));
      assertTrue(e.getMessage().length() > 10, "a message that says what was wrong: " + e.getMessage());
      awaitFailure(InvalidArgumentException.class, ch.send(b, 1000));
    }
    ChannelInfo info = await(ch.info());
    assertEquals(0, info.size());
    assertEquals(0, info.messages());
    assertEquals(SendResult.OK, await(ch.send(good)), "the channel still works");
  }

  @Test
  void byte_channels_accept_any_bytes_including_invalid_etf__S_MODEL_2() {
    ByteChannel ch = await(channels.newByteChannel());
    assertEquals(SendResult.OK, await(ch.send(Buffer.buffer(new byte[] {(byte) 131, 1, 2}))));
  }

  @Test
  void an_empty_byte_message_is_queued_and_delivered__S_FIX_EMPTY() {
    ByteChannel ch = await(channels.newByteChannel());
    assertEquals(SendResult.OK, await(ch.send(Buffer.buffer())));
    await(ch.send(Buffer.buffer("after")));
    ChannelInfo info = await(ch.info());
    assertEquals(2, info.messages());
    assertEquals(5, info.size());
    ReceiveResult first = await(ch.receive(1000));
    assertTrue(first.isMessage());
    assertEquals(0, first.payload().length());
    assertEquals(Buffer.buffer("after"), await(ch.receive(1000)).payload());
  }

  @Test
  void byte_channel_info_size_is_the_exact_byte_length__S_SEND_3() {
    ByteChannel ch = await(channels.newByteChannel());
    await(ch.send(Buffer.buffer("test")));
    assertEquals(4, await(ch.info()).size());
  }

  @Test
  void a_one_mebibyte_payload_round_trips_byte_for_byte() {
    ByteChannel ch = await(channels.newByteChannel());
    byte[] big = new byte[1 << 20];
    new Random(1).nextBytes(big);
    await(ch.send(Buffer.buffer(big)));
    assertEquals(1 << 20, await(ch.info()).size());
    assertArrayEquals(big, await(ch.receive(1000)).payload().getBytes());
  }
}
