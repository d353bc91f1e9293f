package io.github.vertxchannels.impl;

/**
 * The producer credit of one stream at the channel's owner (S-EXT-RESERVE): the target the stream
 * asked for and the room currently reserved for it (granted and not used yet).
 *
 * <p>State only; {@link ChannelQueue} decides when to grant, so that top-ups and blocking senders
 * share one arrival order.
 */
final class Reservation {

  private final String id;
  private final SubscriberSink sink;
  long targetBytes;
  long targetMessages;
  /** Reserved and not used yet: counted in the channel's reserved bytes. */
  long heldBytes;
  long heldMessages;
  /** Whether it waits for room in the channel's queue of senders. */
  boolean queued;
  /** Reserve frames whose answer (a grant with reset) has not been sent yet. */
  boolean resetDue;

  Reservation(String id, SubscriberSink sink) {
    this.id = id;
    this.sink = sink;
  }

  String id() {
    return id;
  }

  SubscriberSink sink() {
    return sink;
  }

  /**
   * Whether it should be topped up: below half its target in bytes or in messages. Granting in
   * half-target steps keeps grants (and the frames that carry them) few.
   */
  boolean low() {
    return heldBytes < (targetBytes + 1) / 2 || heldMessages < (targetMessages + 1) / 2;
  }
}
