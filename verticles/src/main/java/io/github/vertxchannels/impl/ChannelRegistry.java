package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelKind;

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
  private final Map<String, ChannelQueue> channels = new HashMap<>();
  /** Subscription id -> channel, so that flow messages need only the subscription id. */
  private final Map<String, ChannelQueue> subscriptions = new HashMap<>();

  ChannelRegistry(String ownerKey, Scheduler scheduler) {
    this.ownerKey = ownerKey;
    this.scheduler = scheduler;
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
    ChannelQueue channel = new ChannelQueue(id, kind, maxSize, scheduler);
    channels.put(id, channel);
    return channel;
  }

  ChannelQueue get(String id) {
    return id == null ? null : channels.get(id);
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

  void shutdown() {
    channels.values().forEach(ChannelQueue::shutdown);
  }
}
