package io.github.vertxchannels.impl;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The owner-side state of one push subscription (a gRPC stream or a Java read stream consuming a
 * channel): outstanding credit, messages pushed and not yet acknowledged, and the batch being
 * assembled for the next push.
 *
 * <p>Credit is strict (S-EXT-CREDIT): a message is pushed only when at least one message and at
 * least its length in bytes of credit are outstanding. Messages are pushed in batches: everything
 * dispatched during one turn of the event loop leaves in one event-bus message.
 */
final class Subscription implements ChannelQueue.Receiver {

  private final String id;
  private final SubscriberSink sink;
  private final Scheduler scheduler;

  private long creditMessages;
  private long creditBytes;
  /** Sequence number of the last message pushed (0 before the first). */
  private long lastSeq;
  /** Pushed, unacknowledged messages; the first has sequence number {@code lastSeq - inFlight.size() + 1}. */
  private final ArrayDeque<Buffer> inFlight = new ArrayDeque<>();
  /** Messages dispatched this turn, not yet handed to the sink. */
  private List<Buffer> batch;
  private long batchFirstSeq;
  private boolean closedNotified;
  /** A prefetch for per-call receives: revoked when another receiver wants a message (S-EXT-REVOKE). */
  private final boolean revocable;
  /** A revoke was sent and not answered yet (by a release, the end, or acks of everything held). */
  boolean revoking;
  /** The timer that ends the subscription when the revoke is not answered in time. */
  long revokeTimer = -1;

  Subscription(String id, SubscriberSink sink, Scheduler scheduler, boolean revocable) {
    this.id = id;
    this.sink = sink;
    this.scheduler = scheduler;
    this.revocable = revocable;
  }

  boolean revocable() {
    return revocable;
  }

  /** Withdraws all credit (a revoke: nothing more is pushed), keeping what is in flight. */
  void withdrawCredit() {
    creditMessages = 0;
    creditBytes = 0;
  }

  String id() {
    return id;
  }

  SubscriberSink sink() {
    return sink;
  }

  long lastSeq() {
    return lastSeq;
  }

  int inFlightCount() {
    return inFlight.size();
  }

  boolean hasCredit() {
    return creditMessages > 0 && creditBytes > 0;
  }

  void grant(long messages, long bytes) {
    // Saturate instead of overflowing: a client granting "everything" twice is still "everything".
    creditMessages = saturatedAdd(creditMessages, messages);
    creditBytes = saturatedAdd(creditBytes, bytes);
  }

  /**
   * Acknowledges every pushed message up to {@code upToSeq}; larger numbers are clamped.
   *
   * @return the bytes acknowledged (no longer held for redelivery)
   */
  long ack(long upToSeq) {
    long firstInFlight = lastSeq - inFlight.size() + 1;
    long n = Math.min(upToSeq, lastSeq) - firstInFlight + 1;
    long bytes = 0;
    for (long i = 0; i < n; i++) {
      bytes += inFlight.pollFirst().length();
    }
    return bytes;
  }

  /** Takes back every unacknowledged message (in order) and withdraws all credit. */
  List<Buffer> releaseAll() {
    List<Buffer> back = new ArrayList<>(inFlight);
    inFlight.clear();
    batch = null; // released before it left: it must never reach the subscriber
    creditMessages = 0;
    creditBytes = 0;
    return back;
  }

  @Override
  public boolean canTake(int length) {
    return creditMessages > 0 && creditBytes >= length;
  }

  @Override
  public boolean deliver(Buffer message) {
    creditMessages--;
    creditBytes -= message.length();
    lastSeq++;
    inFlight.addLast(message);
    if (batch == null) {
      batch = new ArrayList<>();
      batchFirstSeq = lastSeq;
      scheduler.runLater(this::flush);
    }
    batch.add(message);
    return hasCredit();
  }

  private void flush() {
    List<Buffer> out = batch;
    batch = null;
    if (out != null && !out.isEmpty()) {
      sink.deliveries(batchFirstSeq, out);
    }
  }

  void notifyClosed() {
    if (!closedNotified) {
      closedNotified = true;
      // After any batch still being assembled, so the subscriber sees the messages before the end.
      scheduler.runLater(sink::closed);
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }
}
