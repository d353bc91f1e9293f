package io.github.vertxchannels.impl.metrics;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The numbers behind the metrics, without Micrometer: the channel code counts here (one call per
 * event, a {@link LongAdder}, so any event loop may count without contention), and
 * {@code MetricsEndpoint} reads them. JVM-wide: a server runs one Vert.x per JVM; tests that run
 * several see their sum.
 *
 * <p>Gauges of channel state (channels, queued bytes, waiting receivers and senders) are not
 * counted as they change: each channel owner registers a {@link Supplier} of its totals, and a
 * scrape reads it <em>on the owner's event loop</em>, where channel state
 * lives, never from the scraping thread.
 */
public final class ChannelCounters {

  /** Why a call was refused (the {@code reason} label of {@code vertx_channels_rejected_calls_total}). */
  public enum Rejection {
    /** Missing or wrong bearer token (UNAUTHENTICATED). */
    AUTH,
    /** A limit was reached (RESOURCE_EXHAUSTED): channels or pending bytes per connection, batch sizes. */
    LIMIT,
    /** The request was malformed (INVALID_ARGUMENT). */
    INVALID
  }

  /**
   * One owner's totals: channels, queued bytes, waiting receivers, waiting senders, and what its
   * channels hold against its memory budget ({@code max_total_bytes}).
   */
  public record Totals(long channels, long queuedBytes, long waitingReceivers, long waitingSenders, long heldBytes) {
    static final Totals ZERO = new Totals(0, 0, 0, 0, 0);

    Totals plus(Totals o) {
      return new Totals(channels + o.channels, queuedBytes + o.queuedBytes, waitingReceivers + o.waitingReceivers,
        waitingSenders + o.waitingSenders, heldBytes + o.heldBytes);
    }
  }

  private record Owner(Context context, Supplier<Totals> totals) {
  }

  static final LongAdder SENDS = new LongAdder();
  static final LongAdder RECEIVES = new LongAdder();
  static final LongAdder REDELIVERIES = new LongAdder();
  static final LongAdder CONNECTIONS_OPENED = new LongAdder();
  static final LongAdder CONNECTIONS_OPEN = new LongAdder();
  static final LongAdder[] REJECTED = {new LongAdder(), new LongAdder(), new LongAdder()};
  private static final Set<Owner> OWNERS = ConcurrentHashMap.newKeySet();

  private ChannelCounters() {
  }

  /** A message went into a channel. */
  public static void sent() {
    SENDS.increment();
  }

  /** A message left a channel for a receiver (receive, try-receive or a stream delivery). */
  public static void received() {
    RECEIVES.increment();
  }

  /** {@code n} messages went back to the head of a channel (a cancelled receive, a broken or closed stream). */
  public static void redelivered(int n) {
    REDELIVERIES.add(n);
  }

  /** A call was refused. */
  public static void rejected(Rejection why) {
    REJECTED[why.ordinal()].increment();
  }

  /**
   * A call ended with an error status: counts it when it is a refusal (UNAUTHENTICATED,
   * RESOURCE_EXHAUSTED, INVALID_ARGUMENT; others such as NOT_FOUND are outcomes), and logs limit
   * refusals ({@link Events#limitRefused}).
   */
  public static void refused(int grpcCode, String message) {
    switch (grpcCode) {
      case 16 -> rejected(Rejection.AUTH);
      case 8 -> {
        rejected(Rejection.LIMIT);
        Events.limitRefused(message);
      }
      case 3 -> rejected(Rejection.INVALID);
      default -> {
        // not a refusal
      }
    }
  }

  /** A call without a valid bearer token was refused: counts and logs it. */
  public static void authFailure(Object remote, String path) {
    rejected(Rejection.AUTH);
    Events.authFailure(remote, path);
  }

  /** A client connection opened (+1) or closed (-1). */
  public static void connection(int delta) {
    CONNECTIONS_OPEN.add(delta);
    if (delta > 0) {
      CONNECTIONS_OPENED.increment();
    }
  }

  /**
   * Registers a channel owner's totals, read on {@code context}.
   *
   * @return unregisters them
   */
  public static Runnable owner(Context context, Supplier<Totals> totals) {
    Owner o = new Owner(context, totals);
    OWNERS.add(o);
    return () -> OWNERS.remove(o);
  }

  /**
   * @param fallbackAfter completes a read whose owner loop does not answer (busy, closing) with
   *                      zeros rather than hanging the scrape: {@code timer -> future}
   * @return the sum of every owner's totals, each read on its own event loop
   */
  static Future<Totals> ownerTotals(java.util.function.Function<Promise<Totals>, Promise<Totals>> fallbackAfter) {
    List<Future<Totals>> reads = new ArrayList<>();
    for (Owner o : OWNERS) {
      Promise<Totals> p = Promise.promise();
      o.context().runOnContext(v -> p.tryComplete(o.totals().get()));
      reads.add(fallbackAfter.apply(p).future());
    }
    return Future.join(reads).transform(ar -> {
      Totals sum = Totals.ZERO;
      for (Future<Totals> f : reads) {
        if (f.succeeded() && f.result() != null) {
          sum = sum.plus(f.result());
        }
      }
      return Future.succeededFuture(sum);
    });
  }
}
