package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelAddresses;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.MessageTooLargeException;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.ChannelError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

import java.util.List;

/**
 * {@code send}: validates a term payload (S-FIX-DECODE) before anything is enqueued, then sends
 * without waiting, or waiting for room when a {@code timeout} header is present (S-EXT-SENDWAIT).
 */
final class SendHandler extends OwnerHandler {

  private final int maxMessageSize;
  private final TermCheck termCheck;

  SendHandler(ChannelRegistry registry, int maxMessageSize, TermCheck termCheck) {
    super(registry);
    this.maxMessageSize = maxMessageSize;
    this.termCheck = termCheck;
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
    if (channel.kind() != ChannelKind.TERM) {
      enqueue(message, channel, payload);
      return;
    }
    // Large and compressed terms are validated off the event loop, in order (TermCheck).
    termCheck.check(channel.id(), List.of(payload), ar -> {
      if (ar.failed()) {
        fail(message, ChannelError.INVALID_ARGUMENT, ar.cause().getMessage());
      } else {
        guarded(message, () -> enqueue(message, channel, payload));
      }
    });
  }

  private void enqueue(Message<Object> message, ChannelQueue channel, Buffer payload) {
    String timeout = message.headers().get(ChannelAddresses.TIMEOUT);
    if (timeout == null) {
      reply(message, channel.send(payload));
    } else {
      long timeoutMs = longHeader(message, ChannelAddresses.TIMEOUT, -1);
      replyWith(message, channel.sendWait(payload, timeoutMs), SendHandler::reply);
    }
  }

  static void reply(Message<?> message, SendResult result) {
    message.reply(null, new DeliveryOptions().addHeader(ChannelAddresses.RESULT, result.wireName()));
  }
}
