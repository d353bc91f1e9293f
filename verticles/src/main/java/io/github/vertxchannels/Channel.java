package io.github.vertxchannels;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * A handle on one channel: a FIFO of messages with byte-counted backpressure (contract sections 1
 * to 4). Handles are cheap and stateless; any number of parties may hold one for the same id.
 *
 * <p>The channel takes ownership of a sent buffer: do not modify it after sending (local delivery
 * passes it by reference, without a copy).
 */
public interface Channel {

  /** @return the channel id (printable, at least 128 random bits) */
  String id();

  /** @return the channel's kind */
  ChannelKind kind();

  /**
   * Non-blocking send (S-SEND-1..5): {@code OK}, {@code BUSY} when the payload does not fit
   * ({@code size + n > max_size}), {@code CLOSED}. For a term channel the payload must be exactly
   * one ETF term, else the future fails with {@link InvalidArgumentException} and nothing is
   * enqueued (S-FIX-DECODE).
   */
  Future<SendResult> send(Buffer payload);

  /**
   * Blocking send (S-EXT-SENDWAIT): waits, in arrival order and without polling, until there is
   * room. Completes with {@code OK} or {@code CLOSED} (closed before or while waiting); fails with
   * {@link ChannelTimeoutException} when {@code timeoutMs} passes (negative = forever) and at once
   * with {@link MessageTooLargeException} when the payload is larger than {@code max_size}.
   */
  Future<SendResult> send(Buffer payload, long timeoutMs);

  /**
   * Blocking sends of several messages in one request to the owner (S-EXT-SENDWAIT): the same
   * contract as {@link #send(Buffer, long)} called for each payload in order, without a round
   * trip per message, which is what a producer of many small messages needs. The batch waits as
   * one sender, in arrival order; it enqueues its payloads in order as room frees (a payload never
   * overtakes the one before it), so the sent ones are always a prefix of the list.
   *
   * <p>Every payload is checked first: if one is larger than {@code max_size}
   * ({@link MessageTooLargeException}) or, for a term channel, not exactly one ETF term
   * ({@link InvalidArgumentException}), the future fails and nothing is enqueued.
   *
   * @param payloads the messages, in order (the channel takes ownership of the buffers)
   * @param timeoutMs how long the rest may wait for room (negative = forever, 0 = only what fits now)
   * @return how many were sent, and whether the channel closed or the timeout passed first
   */
  Future<SendAllResult> sendAll(List<Buffer> payloads, long timeoutMs);

  /** Non-blocking receive (S-RECV-1): a message (even when closed), else empty or closed. */
  Future<ReceiveResult> tryReceive();

  /**
   * Blocking receive (S-RECV-3): a message as soon as there is one, {@code closed} as soon as the
   * channel is closed and empty; fails with {@link ChannelTimeoutException} when {@code timeoutMs}
   * passes first. 0 answers now; negative waits forever. Any number of receivers may wait at
   * once; they are served in the order they started waiting (S-FIX-WAITERS).
   */
  Future<ReceiveResult> receive(long timeoutMs);

  /** Blocking receive that waits forever (until a message or close). */
  default Future<ReceiveResult> receive() {
    return receive(-1);
  }

  /** Closes the channel; idempotent (S-CLOSE-1). Queued messages stay and can be drained (S-CLOSE-2). */
  Future<Void> close();

  /** @return size, max_size, closed and counters (S-INFO-1) */
  Future<ChannelInfo> info();

  /**
   * Consumes the channel as a Vert.x {@link io.vertx.core.streams.ReadStream} with push delivery
   * and credit (S-EXT-PUSH, S-EXT-CREDIT): the remaining messages, then the end (S-CLOSE-4).
   *
   * @param windowMessages how many messages may be in flight to this stream at once (its credit)
   */
  ChannelStream stream(int windowMessages);

  /** @return {@link #stream(int)} with a window of 256 messages */
  default ChannelStream stream() {
    return stream(256);
  }
}
