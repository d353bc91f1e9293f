package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelAddresses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;

import java.util.List;

/** The push-subscription actions: subscribe, flow (credit, ack, release), unsubscribe. */
final class SubscriptionHandlers {

  private SubscriptionHandlers() {
  }

  /** {@code subscribe}: opens a subscription pushing to the {@code subscriber} address. */
  static final class Subscribe extends OwnerHandler {
    private final EventBus eventBus;

    Subscribe(ChannelRegistry registry, EventBus eventBus) {
      super(registry);
      this.eventBus = eventBus;
    }

    @Override
    protected void handle(Message<Object> message, ChannelQueue channel) {
      checkKind(message, channel);
      String subscriber = message.headers().get(ChannelAddresses.SUBSCRIBER);
      if (subscriber == null || !subscriber.startsWith(ChannelAddresses.SUBSCRIBER_PREFIX)) {
        throw new IllegalArgumentException("subscribe needs a '" + ChannelAddresses.SUBSCRIBER + "' header with a subscriber address");
      }
      long messages = nonNegative(message, ChannelAddresses.CREDIT_MESSAGES);
      long bytes = nonNegative(message, ChannelAddresses.CREDIT_BYTES);
      String subscriptionId = ChannelRegistry.randomToken(12);
      registry.bindSubscription(subscriptionId, channel);
      // Reply before subscribing: the first push is deferred to the end of this turn anyway, so the
      // subscriber learns its subscription id before any delivery reaches it.
      message.reply(channel.info().toJson().put("sub", subscriptionId));
      boolean revocable = message.headers().contains(ChannelAddresses.REVOCABLE);
      channel.subscribe(subscriptionId, new EventBusSink(eventBus, subscriber, subscriptionId), messages, bytes, revocable);
    }
  }

  /** {@code flow}: credit, cumulative ack and release for a subscription (fire and forget). */
  static final class Flow extends OwnerHandler {
    Flow(ChannelRegistry registry) {
      super(registry);
    }

    @Override
    protected void handle(Message<Object> message, ChannelQueue channel) {
      Subscription sub = channel.subscription(message.headers().get(ChannelAddresses.SUBSCRIPTION));
      if (sub == null) {
        return; // already ended: a late flow message is harmless
      }
      channel.flow(sub,
        nonNegative(message, ChannelAddresses.CREDIT_MESSAGES),
        nonNegative(message, ChannelAddresses.CREDIT_BYTES),
        nonNegative(message, ChannelAddresses.ACK),
        message.headers().contains(ChannelAddresses.RELEASE));
    }
  }

  /** {@code unsubscribe}: ends a subscription; unacknowledged messages return to the head (S-EXT-REDELIVER). */
  static final class Unsubscribe extends OwnerHandler {
    Unsubscribe(ChannelRegistry registry) {
      super(registry);
    }

    @Override
    protected void handle(Message<Object> message, ChannelQueue channel) {
      String subscriptionId = message.headers().get(ChannelAddresses.SUBSCRIPTION);
      if (subscriptionId != null) {
        registry.unbindSubscription(subscriptionId);
        channel.unsubscribe(subscriptionId);
      }
      if (message.replyAddress() != null) {
        message.reply(null);
      }
    }
  }

  static long nonNegative(Message<?> message, String header) {
    long v = OwnerHandler.longHeader(message, header, 0);
    if (v < 0) {
      throw new IllegalArgumentException("header '" + header + "' must not be negative, got " + v);
    }
    return v;
  }

  /** Pushes a subscription's events to the subscriber's event-bus address. */
  private static final class EventBusSink implements SubscriberSink {
    private final EventBus eventBus;
    private final String address;
    private final String subscriptionId;

    EventBusSink(EventBus eventBus, String address, String subscriptionId) {
      this.eventBus = eventBus;
      this.address = address;
      this.subscriptionId = subscriptionId;
    }

    @Override
    public void deliveries(long firstSeq, List<Buffer> payloads) {
      eventBus.send(address, new DeliveryBatch(firstSeq, payloads), options(ChannelAddresses.EVENT_DELIVERIES).setCodecName(Codecs.BATCH));
    }

    @Override
    public void closed() {
      eventBus.send(address, null, options(ChannelAddresses.EVENT_CLOSED));
    }

    @Override
    public void released(long upToSeq, int returned) {
      eventBus.send(address, null, options(ChannelAddresses.EVENT_RELEASED)
        .addHeader(ChannelAddresses.UP_TO, Long.toString(upToSeq))
        .addHeader(ChannelAddresses.RETURNED, Integer.toString(returned)));
    }

    @Override
    public void sendCredit(long bytes, long messages, boolean reset) {
      DeliveryOptions options = options(ChannelAddresses.EVENT_SEND_CREDIT)
        .addHeader(ChannelAddresses.CREDIT_BYTES, Long.toString(bytes))
        .addHeader(ChannelAddresses.CREDIT_MESSAGES, Long.toString(messages));
      if (reset) {
        options.addHeader(ChannelAddresses.RESET, "true");
      }
      eventBus.send(address, null, options);
    }

    @Override
    public void revoke() {
      eventBus.send(address, null, options(ChannelAddresses.EVENT_REVOKE));
    }

    @Override
    public void expired(long timeoutMs) {
      eventBus.send(address, null, options(ChannelAddresses.EVENT_EXPIRED)
        .addHeader(ChannelAddresses.TIMEOUT, Long.toString(timeoutMs)));
    }

    private DeliveryOptions options(String event) {
      return new DeliveryOptions()
        .addHeader(ChannelAddresses.EVENT, event)
        .addHeader(ChannelAddresses.SUBSCRIPTION, subscriptionId);
    }
  }
}
