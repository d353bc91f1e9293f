package io.github.vertxchannels.bench;

import io.github.vertxchannels.Channel;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The server-side producer: fills a channel as fast as backpressure allows with blocking batch
 * sends ({@code sendAll(payloads, -1)}: one request to the owner per batch instead of one per
 * message), keeping up to {@code inFlight} messages outstanding so that the producer is not the
 * bottleneck, then closes the channel. Runs on the caller's context.
 */
final class Producer {

  /** Default number of messages in flight. */
  static final int DEFAULT_IN_FLIGHT = 64;
  /** At most this many messages, and {@link #BATCH_BYTES} bytes, per request. */
  static final int BATCH_MESSAGES = 64;
  static final long BATCH_BYTES = 1024 * 1024;

  private final Channel channel;
  private final Buffer payload;
  private final boolean fresh;
  private final long count;
  private final int inFlight;
  private final int batchMessages;
  private final Promise<Long> done = Promise.promise();
  private long issued;
  private long completed;
  private long t0;

  private Producer(Channel channel, Buffer payload, boolean fresh, long count, int inFlight) {
    this.channel = channel;
    this.payload = payload;
    this.fresh = fresh;
    this.count = count;
    this.inFlight = inFlight <= 0 ? DEFAULT_IN_FLIGHT : inFlight;
    long byBytes = Math.max(1, BATCH_BYTES / Math.max(1, payload.length()));
    this.batchMessages = (int) Math.max(1, Math.min(Math.min(BATCH_MESSAGES, byBytes), this.inFlight));
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
    if (count == 0) {
      p.finish();
    } else {
      p.pump();
    }
    return p.done.future();
  }

  private void pump() {
    while (issued < count && issued - completed < inFlight) {
      int n = (int) Math.min(Math.min(batchMessages, count - issued), inFlight - (issued - completed));
      List<Buffer> batch = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        batch.add(fresh ? payload.copy() : payload);
      }
      issued += n;
      channel.sendAll(batch, -1).onComplete(ar -> {
        if (ar.failed()) {
          done.tryFail(ar.cause());
          return;
        }
        if (!ar.result().allSent()) {
          done.tryFail(new IllegalStateException("send-all answered " + ar.result()));
          return;
        }
        completed += n;
        if (completed == count) {
          finish();
        } else {
          pump();
        }
      });
    }
  }

  private void finish() {
    channel.close().onComplete(c -> done.tryComplete(System.nanoTime() - t0));
  }
}
