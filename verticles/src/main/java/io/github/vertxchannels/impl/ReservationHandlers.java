package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelAddresses;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelProtocolException;
import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.EtfException;
import io.github.vertxchannels.InvalidArgumentException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

import java.util.ArrayList;
import java.util.List;

/** The producer-credit actions (S-EXT-RESERVE): reserve and send-reserved. */
final class ReservationHandlers {

  private ReservationHandlers() {
  }

  /** {@code reserve}: sets a subscription's producer credit target (fire and forget). */
  static final class Reserve extends OwnerHandler {
    Reserve(ChannelRegistry registry) {
      super(registry);
    }

    @Override
    protected void handle(Message<Object> message, ChannelQueue channel) {
      Subscription sub = channel.subscription(message.headers().get(ChannelAddresses.SUBSCRIPTION));
      if (sub == null) {
        return; // the stream already ended: nothing to reserve for
      }
      channel.reserve(sub,
        SubscriptionHandlers.nonNegative(message, ChannelAddresses.CREDIT_BYTES),
        SubscriptionHandlers.nonNegative(message, ChannelAddresses.CREDIT_MESSAGES));
    }
  }

  /**
   * {@code send-reserved}: payloads sent into the stream's reserved room. Every payload uses its
   * credit; malformed terms (S-FIX-DECODE) and oversized payloads are refused one by one, the
   * others enqueued in order.
   */
  static final class SendReserved extends OwnerHandler {
    private final int maxMessageSize;

    SendReserved(ChannelRegistry registry, int maxMessageSize) {
      super(registry);
      this.maxMessageSize = maxMessageSize;
    }

    @Override
    protected void handle(Message<Object> message, ChannelQueue channel) {
      if (!(message.body() instanceof DeliveryBatch batch)) {
        throw new IllegalArgumentException("send-reserved needs a batch of payloads as its body");
      }
      String subscriptionId = message.headers().get(ChannelAddresses.SUBSCRIPTION);
      if (channel.subscription(subscriptionId) == null) {
        throw new ChannelProtocolException("send-reserved for subscription '" + subscriptionId + "', which is not open");
      }
      List<Buffer> payloads = batch.payloads();
      List<Buffer> accepted = new ArrayList<>(payloads.size());
      StringBuilder invalid = new StringBuilder();
      String detail = null;
      long bytes = 0;
      for (int i = 0; i < payloads.size(); i++) {
        Buffer p = payloads.get(i);
        bytes += p.length();
        String refused = refusal(channel, p);
        if (refused == null) {
          accepted.add(p);
        } else {
          invalid.append(invalid.length() == 0 ? "" : ",").append(i);
          detail = detail == null ? "payload " + i + ": " + refused : detail;
        }
      }
      boolean open = channel.sendReserved(subscriptionId, accepted, payloads.size(), bytes);
      DeliveryOptions reply = new DeliveryOptions().addHeader(ChannelAddresses.RESULT, open ? "ok" : "closed");
      if (open && detail != null) {
        reply.addHeader(ChannelAddresses.INVALID, invalid.toString()).addHeader(ChannelAddresses.DETAIL, detail);
      }
      message.reply(null, reply);
    }

    private String refusal(ChannelQueue channel, Buffer payload) {
      if (payload.length() > maxMessageSize) {
        return payload.length() + " bytes exceed the server's message limit of " + maxMessageSize + " bytes (max_message_size)";
      }
      if (channel.kind() == ChannelKind.TERM) {
        try {
          Etf.validate(payload);
        } catch (EtfException | InvalidArgumentException e) {
          return "not a valid ETF term: " + e.getMessage();
        }
      }
      return null;
    }
  }
}
