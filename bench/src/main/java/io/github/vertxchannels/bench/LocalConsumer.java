package io.github.vertxchannels.bench;

import io.github.vertxchannels.Channel;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;

import java.util.function.Consumer;

/**
 * The local event-bus consumer: a verticle of its own (its own event loop) that consumes one
 * channel with {@link Channel#stream(int)} until the channel is closed and drained.
 */
final class LocalConsumer extends VerticleBase {

  private final Channel channel;
  private final int window;
  private final Consumer<Buffer> onMessage;
  private final Promise<long[]> done = Promise.promise();
  private long messages;
  private long bytes;

  /**
   * @param onMessage called for every message on the consumer's event loop (may be null)
   */
  LocalConsumer(Channel channel, int window, Consumer<Buffer> onMessage) {
    this.channel = channel;
    this.window = window;
    this.onMessage = onMessage;
  }

  @Override
  public Future<?> start() {
    channel.stream(window)
      .exceptionHandler(done::tryFail)
      .endHandler(v -> done.tryComplete(new long[] {messages, bytes, System.nanoTime()}))
      .handler(b -> {
        messages++;
        bytes += b.length();
        if (onMessage != null) {
          onMessage.accept(b);
        }
      });
    return Future.succeededFuture();
  }

  /** @return messages, bytes and the end time (System.nanoTime) once the stream ended */
  Future<long[]> done() {
    return done.future();
  }
}
