package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelAddresses;
import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.OwnerLostException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The consumer side of a push subscription over the event bus (used by {@code ChannelStream} and
 * by the gRPC stream handler): a consumer on a fresh subscriber address receives the owner's
 * pushes; credit, acknowledgements and releases go to the owner as fire-and-forget messages.
 * Event-bus order between two addresses is kept, so the owner sees flow messages in the order
 * they were sent. Confined to the context that opened it.
 */
public final class ChannelSubscriber {

  /** What the owner pushes. */
  public interface Listener {
    /** Messages, with consecutive sequence numbers from {@code firstSeq}. */
    void deliveries(long firstSeq, List<Buffer> payloads);

    /** The channel is closed and empty. */
    void closed();

    /** The answer to a release. */
    void released(long upToSeq, int returned);

    /** The owner's node left the cluster: the subscription is over and the channel gone. */
    void ownerLost(OwnerLostException failure);

    /**
     * Producer credit (S-EXT-RESERVE): more room reserved for this subscription's sends; with
     * {@code reset}, the answer to a {@link #reserve} that replaces every earlier grant.
     */
    default void sendCredit(long bytes, long messages, boolean reset) {
    }

    /** Revocable subscriptions: another receiver wants a message; give back (S-EXT-REVOKE). */
    default void revoke() {
    }

    /** The subscription did not answer a revoke within {@code timeoutMs}: the owner ended it. */
    default void expired(long timeoutMs) {
    }
  }

  /**
   * The answer to reserved sends.
   *
   * @param closed the channel was closed: nothing was enqueued
   * @param invalid the indexes of payloads refused (malformed terms, too large), ascending
   * @param detail why the first of them was refused, or {@code null}
   */
  public record ReservedResult(boolean closed, int[] invalid, String detail) {
  }

  private final EventBusChannels channels;
  private final String channelId;
  private final MessageConsumer<Object> consumer;
  private String subscriptionId;
  private ChannelInfo info;
  private boolean ended;
  private OwnerWatch.Registration watching = OwnerWatch.Registration.NONE;

  private ChannelSubscriber(EventBusChannels channels, String channelId, MessageConsumer<Object> consumer) {
    this.channels = channels;
    this.channelId = channelId;
    this.consumer = consumer;
  }

  /**
   * Opens a subscription.
   *
   * @param expectedKind the kind the channel must have, or {@code null} for either
   * @return the subscriber once the owner has accepted it; fails like an attach
   */
  public static Future<ChannelSubscriber> open(Vertx vertx, String channelId, ChannelKind expectedKind,
                                               long creditMessages, long creditBytes, Listener listener) {
    return open(vertx, channelId, expectedKind, creditMessages, creditBytes, false, listener);
  }

  /**
   * Opens a subscription, revocable or not.
   *
   * @param revocable a prefetch for per-call receives: revoked (see {@link Listener#revoke}) when
   *                  another receiver wants a message while it holds some (S-EXT-REVOKE)
   */
  public static Future<ChannelSubscriber> open(Vertx vertx, String channelId, ChannelKind expectedKind,
                                               long creditMessages, long creditBytes, boolean revocable,
                                               Listener listener) {
    EventBusChannels channels = new EventBusChannels(vertx);
    EventBus eventBus = vertx.eventBus();
    String address = ChannelAddresses.SUBSCRIBER_PREFIX + ChannelRegistry.randomToken(12);
    MessageConsumer<Object> consumer = eventBus.consumer(address);
    ChannelSubscriber subscriber = new ChannelSubscriber(channels, channelId, consumer);
    consumer.handler(m -> subscriber.onEvent(m, listener));
    return consumer.completion().compose(v -> {
      DeliveryOptions options = new DeliveryOptions()
        .addHeader(ChannelAddresses.SUBSCRIBER, address)
        .addHeader(ChannelAddresses.CREDIT_MESSAGES, Long.toString(creditMessages))
        .addHeader(ChannelAddresses.CREDIT_BYTES, Long.toString(creditBytes));
      if (expectedKind != null) {
        options.addHeader(ChannelAddresses.KIND, expectedKind.wireName());
      }
      if (revocable) {
        options.addHeader(ChannelAddresses.REVOCABLE, "true");
      }
      return channels.<JsonObject>request(channelId, ChannelAddresses.ACTION_SUBSCRIBE, null, options);
    }).map(reply -> {
      subscriber.subscriptionId = reply.body().getString("sub");
      subscriber.info = ChannelInfo.fromJson(reply.body());
      subscriber.watching = channels.owners().whenLost(ChannelAddresses.ownerKeyOf(channelId),
        vertx.getOrCreateContext(), () -> subscriber.onOwnerLost(listener));
      return subscriber;
    }).onFailure(err -> consumer.unregister());
  }

  private void onEvent(Message<Object> message, Listener listener) {
    if (ended) {
      return; // late pushes after unsubscribe were given back by the owner already
    }
    String event = message.headers().get(ChannelAddresses.EVENT);
    if (ChannelAddresses.EVENT_DELIVERIES.equals(event)) {
      DeliveryBatch batch = (DeliveryBatch) message.body();
      listener.deliveries(batch.firstSeq(), batch.payloads());
    } else if (ChannelAddresses.EVENT_CLOSED.equals(event)) {
      listener.closed();
    } else if (ChannelAddresses.EVENT_SEND_CREDIT.equals(event)) {
      listener.sendCredit(Long.parseLong(message.headers().get(ChannelAddresses.CREDIT_BYTES)),
        Long.parseLong(message.headers().get(ChannelAddresses.CREDIT_MESSAGES)),
        message.headers().contains(ChannelAddresses.RESET));
    } else if (ChannelAddresses.EVENT_REVOKE.equals(event)) {
      listener.revoke();
    } else if (ChannelAddresses.EVENT_EXPIRED.equals(event)) {
      listener.expired(Long.parseLong(message.headers().get(ChannelAddresses.TIMEOUT)));
    } else if (ChannelAddresses.EVENT_RELEASED.equals(event)) {
      listener.released(Long.parseLong(message.headers().get(ChannelAddresses.UP_TO)),
        Integer.parseInt(message.headers().get(ChannelAddresses.RETURNED)));
    }
  }

  private void onOwnerLost(Listener listener) {
    if (!ended) {
      ended = true;
      consumer.unregister();
      listener.ownerLost(EventBusChannels.ownerLost(channelId));
    }
  }

  /** @return the channel's info when the subscription opened */
  public ChannelInfo info() {
    return info;
  }

  /**
   * Grants credit, acknowledges up to a sequence number and/or releases, in one message.
   *
   * @param ackUpTo 0 for no acknowledgement
   */
  public void flow(long creditMessages, long creditBytes, long ackUpTo, boolean release) {
    if (ended) {
      return;
    }
    DeliveryOptions options = new DeliveryOptions().addHeader(ChannelAddresses.SUBSCRIPTION, subscriptionId);
    if (creditMessages > 0) {
      options.addHeader(ChannelAddresses.CREDIT_MESSAGES, Long.toString(creditMessages));
    }
    if (creditBytes > 0) {
      options.addHeader(ChannelAddresses.CREDIT_BYTES, Long.toString(creditBytes));
    }
    if (ackUpTo > 0) {
      options.addHeader(ChannelAddresses.ACK, Long.toString(ackUpTo));
    }
    if (release) {
      options.addHeader(ChannelAddresses.RELEASE, "true");
    }
    channels.post(channelId, ChannelAddresses.ACTION_FLOW, null, options);
  }

  /**
   * Sets the producer credit target of this subscription (S-EXT-RESERVE): the owner revokes what
   * it holds and answers with {@link Listener#sendCredit} with reset, then tops up as room frees.
   * Fire and forget; ordered with {@link #flow} and the sends of this subscriber.
   */
  public void reserve(long bytes, long messages) {
    if (!ended) {
      channels.post(channelId, ChannelAddresses.ACTION_RESERVE, null, new DeliveryOptions()
        .addHeader(ChannelAddresses.SUBSCRIPTION, subscriptionId)
        .addHeader(ChannelAddresses.CREDIT_BYTES, Long.toString(bytes))
        .addHeader(ChannelAddresses.CREDIT_MESSAGES, Long.toString(messages)));
    }
  }

  /**
   * Sends payloads into this subscription's reserved room (S-EXT-RESERVE). The caller checks the
   * credit; the owner fails the request with PROTOCOL if the frame exceeds it.
   */
  public Future<ReservedResult> sendReserved(List<Buffer> payloads) {
    DeliveryOptions options = new DeliveryOptions().setCodecName(Codecs.BATCH)
      .addHeader(ChannelAddresses.SUBSCRIPTION, subscriptionId);
    return channels.request(channelId, ChannelAddresses.ACTION_SEND_RESERVED, new DeliveryBatch(0, payloads), options)
      .map(reply -> {
        boolean closed = "closed".equals(reply.headers().get(ChannelAddresses.RESULT));
        String invalid = reply.headers().get(ChannelAddresses.INVALID);
        int[] indexes = invalid == null || invalid.isEmpty() ? new int[0]
          : java.util.Arrays.stream(invalid.split(",")).mapToInt(Integer::parseInt).toArray();
        return new ReservedResult(closed, indexes, reply.headers().get(ChannelAddresses.DETAIL));
      });
  }

  /**
   * An ordinary send by this subscription's holder. It counts every reservation as taken,
   * this subscription's too (S-EXT-RESERVE): a holder that wants it to fit gives its credit back
   * first with {@link #reserve}{@code (0, 0)}. Both travel to the owner's address from this
   * context, so the owner applies them in the order they were made.
   *
   * @param timeoutMs how long to wait for room, or {@code null} not to wait
   */
  public Future<io.github.vertxchannels.SendResult> send(Buffer payload, Long timeoutMs) {
    return timeoutMs == null ? channels.send(channelId, payload) : channels.send(channelId, payload, timeoutMs);
  }

  /**
   * Ends the subscription: everything pushed and not acknowledged returns to the head of the
   * channel (S-EXT-REDELIVER). Idempotent.
   */
  public Future<Void> close() {
    if (ended) {
      return Future.succeededFuture();
    }
    ended = true;
    watching.cancel();
    // Unregister only once the owner has ended the subscription: pushes it sent before that still
    // find a consumer (which ignores them; the owner gives them back) instead of being discarded
    // with a warning by the event bus.
    return channels.request(channelId, ChannelAddresses.ACTION_UNSUBSCRIBE, null,
        new DeliveryOptions().addHeader(ChannelAddresses.SUBSCRIPTION, subscriptionId))
      .transform(ar -> consumer.unregister());
  }
}
