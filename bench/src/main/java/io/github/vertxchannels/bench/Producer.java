package io.github.vertxchannels.bench;

import io.github.vertxchannels.Channel;
import io.github.vertxchannels.SendResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/**
 * The server-side producer: fills a channel as fast as backpressure allows with blocking sends
 * ({@code send(payload, -1)}), keeping up to {@code inFlight} of them outstanding so that the
 * producer is not the bottleneck, then closes the channel. Runs on the caller's context.
 */
final class Producer {

  /** Default number of sends in flight. */
  static final int DEFAULT_IN_FLIGHT = 64;

  private final Channel channel;
  private final Buffer payload;
  private final boolean fresh;
  private final long count;
  private final int inFlight;
  private final Promise<Long> done = Promise.promise();
  private long started;
  private long issued;
  private long completed;
  private long t0;

  private Producer(Channel channel, Buffer payload, boolean fresh, long count, int inFlight) {
    this.channel = channel;
    this.payload = payload;
    this.fresh = fresh;
    this.count = count;
    this.inFlight = inFlight <= 0 ? DEFAULT_IN_FLIGHT : inFlight;
  }

  /**
   * Sends {@code count} messages, then closes the channel.
   *
   * @param fresh send a fresh copy of the payload each time instead of the same buffer
   * @return the producer's time in nanoseconds, from the first send to the close
   */
  static Future<Long> run(Channel channel, Buffer payload, boolean fresh, long count, int inFlight) {
    Producer p = new Producer(channel, payload, fresh, count, inFlight);
    p.t0 = System.nanoTime();
    p.pump();
    return p.done.future();
  }

  private void pump() {
    while (issued < count && issued - completed < inFlight) {
      issued++;
      Buffer next = fresh ? payload.copy() : payload;
      channel.send(next, -1).onComplete(ar -> {
        if (ar.failed()) {
          done.tryFail(ar.cause());
          return;
        }
        if (ar.result() != SendResult.OK) {
          done.tryFail(new IllegalStateException("send answered " + ar.result()));
          return;
        }
        completed++;
        if (completed == count) {
          channel.close().onComplete(c -> done.tryComplete(System.nanoTime() - t0));
        } else {
          pump();
        }
      });
    }
    if (count == 0 && started++ == 0) {
      channel.close().onComplete(c -> done.tryComplete(System.nanoTime() - t0));
    }
  }
}
