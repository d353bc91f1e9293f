package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.impl.metrics.ChannelCounters;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The channels one {@code ChannelVerticle} owns, and the ids it hands out. Event-loop confined.
 *
 * <p>An id is {@code <owner key>.<128 random bits in base64url>}: unguessable (S-MODEL-4) and
 * routable, since the owner key names the owner's event-bus address.
 */
final class ChannelRegistry {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private final String ownerKey;
  private final Scheduler scheduler;
  private final MemoryBudget budget;
  private final Map<String, ChannelQueue> channels = new HashMap<>();
  /** Subscription id -> channel, so that flow messages need only the subscription id. */
  private final Map<String, ChannelQueue> subscriptions = new HashMap<>();

  /** How long a closed, drained, idle channel stays addressable before it is forgotten (ms). */
  private final long closedRetentionMs;

  /**
   * @param maxTotalBytes the memory all channels of this owner may hold together
   *        ({@code max_total_bytes}, see {@link MemoryBudget}); 0 = no limit
   */
  ChannelRegistry(String ownerKey, Scheduler scheduler, long closedRetentionMs, long maxTotalBytes) {
    this.ownerKey = ownerKey;
    this.scheduler = scheduler;
    this.closedRetentionMs = closedRetentionMs;
    this.budget = new MemoryBudget(maxTotalBytes, scheduler);
  }

  /** @return a fresh random token of {@code bytes} random bytes, printable */
  static String randomToken(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return ENCODER.encodeToString(b);
  }

  String ownerKey() {
    return ownerKey;
  }

  ChannelQueue create(ChannelKind kind, long maxSize) {
    String id = ownerKey + "." + randomToken(16);
    ChannelQueue channel = new ChannelQueue(id, kind, maxSize, scheduler, budget);
    channels.put(id, channel);
    return channel;
  }

  /**
   * Forgets a channel once it has been closed, drained and left alone for a whole retention
   * period, so that closed channels do not accumulate; until then it answers {@code closed},
   * after that NOT_FOUND. "Left alone" means no operation on it during the period: a consumer
   * still draining it, slowly, keeps getting messages and then {@code closed}, never NOT_FOUND in
   * between; the id is forgotten between one and two periods after the last use. Called after
   * every close; the timer starts once.
   */
  void retireWhenDrained(ChannelQueue channel) {
    if (closedRetentionMs < 0 || !channel.startRetention()) {
      return; // kept forever, or already counting
    }
    channel.takeUsedMark(); // the close itself starts the first period
    scheduler.setTimer(Math.max(1, closedRetentionMs), () -> checkRetired(channel));
  }

  /** Runs every retention period after the close: forgets the channel after a period without use. */
  private void checkRetired(ChannelQueue channel) {
    if (!channels.containsKey(channel.id())) {
      return;
    }
    boolean used = channel.takeUsedMark();
    if (!used && channel.isClosedAndEmpty() && channel.isIdle()) {
      channels.remove(channel.id());
    } else {
      // Still in use, or used during this period: look again a full period later.
      scheduler.setTimer(Math.max(1, closedRetentionMs), () -> checkRetired(channel));
    }
  }

  /** @return the channel with this id (and counts this lookup as a use of it), or null */
  ChannelQueue get(String id) {
    ChannelQueue channel = id == null ? null : channels.get(id);
    if (channel != null) {
      channel.touch();
    }
    return channel;
  }

  void bindSubscription(String subscriptionId, ChannelQueue channel) {
    subscriptions.put(subscriptionId, channel);
  }

  ChannelQueue unbindSubscription(String subscriptionId) {
    return subscriptions.remove(subscriptionId);
  }

  ChannelQueue channelOfSubscription(String subscriptionId) {
    return subscriptions.get(subscriptionId);
  }

  int size() {
    return channels.size();
  }

  /** @return the bytes all channels of this owner hold now (queued, in flight, reserved, with overhead) */
  long heldBytes() {
    return budget.used();
  }

  /** @return this owner's totals for the metrics (on the owner's event loop: channel state lives there) */
  ChannelCounters.Totals totals() {
    long bytes = 0;
    long receivers = 0;
    long senders = 0;
    for (ChannelQueue c : channels.values()) {
      ChannelInfo info = c.info();
      bytes += info.size();
      receivers += info.waitingReceivers();
      senders += info.waitingSenders();
    }
    return new ChannelCounters.Totals(channels.size(), bytes, receivers, senders, budget.used());
  }

  void shutdown() {
    channels.values().forEach(ChannelQueue::shutdown);
  }
}
