package io.github.vertxchannels;

import io.vertx.core.json.JsonObject;

/**
 * A snapshot of a channel's state (contract S-INFO-1), with the extensions: message count and
 * waiting receivers and senders.
 *
 * @param id the channel id
 * @param kind the channel's kind
 * @param size bytes queued (sum of the queued payloads' lengths)
 * @param maxSize the backpressure limit in bytes, 0 = unlimited
 * @param closed whether the channel has been closed (it may still hold messages)
 * @param messages messages queued
 * @param waitingReceivers receivers waiting: blocked receives plus streams holding credit
 * @param waitingSenders blocked senders waiting for room
 * @param reservedBytes room reserved by producer streams and not used yet (S-EXT-RESERVE); it
 *                      counts as taken for every other sender's backpressure
 * @param inFlightBytes bytes pushed to streams and not acknowledged yet: no longer queued (not in
 *                      {@code size}), but held for redelivery (S-EXT-REDELIVER), so they count as
 *                      taken for backpressure too; a send is busy when
 *                      {@code size + inFlightBytes + reservedBytes + n > maxSize}
 */
public record ChannelInfo(String id, ChannelKind kind, long size, long maxSize, boolean closed,
                          long messages, int waitingReceivers, int waitingSenders,
                          long reservedBytes, long inFlightBytes) {

  /** An info without reservations or messages in flight. */
  public ChannelInfo(String id, ChannelKind kind, long size, long maxSize, boolean closed,
                     long messages, int waitingReceivers, int waitingSenders) {
    this(id, kind, size, maxSize, closed, messages, waitingReceivers, waitingSenders, 0, 0);
  }

  /**
   * @return this info as JSON, the form it takes on the event bus
   */
  public JsonObject toJson() {
    return new JsonObject()
      .put("id", id)
      .put("kind", kind.wireName())
      .put("size", size)
      .put("max_size", maxSize)
      .put("closed", closed)
      .put("messages", messages)
      .put("waiting_receivers", waitingReceivers)
      .put("waiting_senders", waitingSenders)
      .put("reserved_bytes", reservedBytes)
      .put("in_flight_bytes", inFlightBytes);
  }

  /**
   * @param json the form {@link #toJson()} gives
   * @return the info
   */
  public static ChannelInfo fromJson(JsonObject json) {
    return new ChannelInfo(
      json.getString("id"),
      ChannelKind.fromWireName(json.getString("kind")),
      json.getLong("size", 0L),
      json.getLong("max_size", 0L),
      json.getBoolean("closed", false),
      json.getLong("messages", 0L),
      json.getInteger("waiting_receivers", 0),
      json.getInteger("waiting_senders", 0),
      json.getLong("reserved_bytes", 0L),
      json.getLong("in_flight_bytes", 0L));
  }
}
