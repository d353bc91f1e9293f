package io.github.vertxchannels.impl;

import io.vertx.core.buffer.Buffer;

import java.util.List;

/** Where a subscription's events go: the subscriber's event-bus address, in production. */
interface SubscriberSink {

  /** Pushed messages; sequence numbers {@code firstSeq, firstSeq + 1, ...}. */
  void deliveries(long firstSeq, List<Buffer> payloads);

  /** The channel is closed and empty. */
  void closed();

  /** The answer to a release: everything up to {@code upToSeq} went back, {@code returned} messages. */
  void released(long upToSeq, int returned);

  /**
   * Producer credit for the subscription's stream (S-EXT-RESERVE): more room reserved for it;
   * with {@code reset} it replaces every earlier grant (the answer to a reserve).
   */
  void sendCredit(long bytes, long messages, boolean reset);

  /** A revocable subscription must give back what it did not hand out (S-EXT-REVOKE). */
  default void revoke() {
  }

  /** The subscription did not answer a revoke in time: the owner ended it (its messages went back). */
  default void expired(long timeoutMs) {
  }
}
