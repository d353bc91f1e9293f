package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelAddresses;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.MessageTooLargeException;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.etf.Etf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/**
 * {@code send}: validates a term payload (S-FIX-DECODE) before anything is enqueued, then sends
 * without waiting, or waiting for room when a {@code timeout} header is present (S-EXT-SENDWAIT).
 */
final class SendHandler extends OwnerHandler {

  private final int maxMessageSize;

  SendHandler(ChannelRegistry registry, int maxMessageSize) {
    super(registry);
    this.maxMessageSize = maxMessageSize;
  }

  @Override
  protected void handle(Message<Object> message, ChannelQueue channel) {
    if (!(message.body() instanceof Buffer payload)) {
      throw new IllegalArgumentException("send needs a payload buffer as its body");
    }
    if (payload.length() > maxMessageSize) {
      // Larger messages could never be pushed to a gRPC client: refuse them at the door.
      throw new MessageTooLargeException("payload of " + payload.length()
        + " bytes exceeds the server's message limit of " + maxMessageSize + " bytes (max_message_size)");
    }
    if (channel.kind() == ChannelKind.TERM) {
      Etf.validate(payload);
    }
    String timeout = message.headers().get(ChannelAddresses.TIMEOUT);
    // A stream's own reservation does not count against its own sends (S-EXT-RESERVE).
    String own = message.headers().get(ChannelAddresses.SUBSCRIPTION);
    if (timeout == null) {
      reply(message, channel.send(payload, own));
    } else {
      long timeoutMs = longHeader(message, ChannelAddresses.TIMEOUT, -1);
      replyWith(message, channel.sendWait(payload, timeoutMs, own), SendHandler::reply);
    }
  }

  static void reply(Message<?> message, SendResult result) {
    message.reply(null, new DeliveryOptions().addHeader(ChannelAddresses.RESULT, result.wireName()));
  }
}
