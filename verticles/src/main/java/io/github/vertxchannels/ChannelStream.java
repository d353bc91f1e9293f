package io.github.vertxchannels;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A channel consumed as a {@link ReadStream}: messages are pushed as they arrive within a credit
 * window, each handed to the handler once; the end handler runs when the channel is closed and
 * drained (S-CLOSE-4). {@link #pause()} stops granting credit, {@link #fetch(long)} grants it.
 *
 * <p>Messages handed to the handler are acknowledged; those pushed but not yet handed over when
 * the stream is {@linkplain #cancel() cancelled} return to the head of the channel
 * (S-EXT-REDELIVER), so other receivers get them.
 */
public interface ChannelStream extends ReadStream<Buffer> {

  @Override
  ChannelStream exceptionHandler(Handler<Throwable> handler);

  @Override
  ChannelStream handler(Handler<Buffer> handler);

  @Override
  ChannelStream pause();

  @Override
  ChannelStream resume();

  @Override
  ChannelStream fetch(long amount);

  @Override
  ChannelStream endHandler(Handler<Void> endHandler);

  /** Stops consuming; undelivered messages go back to the channel. */
  Future<Void> cancel();
}
