package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelAddresses;
import io.github.vertxchannels.ReceiveResult;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

/**
 * {@code try-receive} and {@code receive}: answers a message (body) with result {@code message},
 * or {@code empty} / {@code closed}; a blocking receive that times out fails with TIMEOUT.
 */
final class ReceiveHandler extends OwnerHandler {

  private final boolean blocking;

  ReceiveHandler(ChannelRegistry registry, boolean blocking) {
    super(registry);
    this.blocking = blocking;
  }

  @Override
  protected void handle(Message<Object> message, ChannelQueue channel) {
    if (!blocking) {
      replyWith(message, channel.tryReceive(), ReceiveHandler::reply);
      return;
    }
    long timeoutMs = longHeader(message, ChannelAddresses.TIMEOUT, -1);
    String receiveId = message.headers().get(ChannelAddresses.RECEIVE_ID);
    replyWith(message, channel.receive(timeoutMs, receiveId), ReceiveHandler::reply);
  }

  static void reply(Message<?> message, ReceiveResult result) {
    if (result.isMessage()) {
      message.reply(result.payload(), Codecs.payloadOptions().addHeader(ChannelAddresses.RESULT, "message"));
    } else {
      message.reply(null, new DeliveryOptions().addHeader(ChannelAddresses.RESULT, result.isClosed() ? "closed" : "empty"));
    }
  }
}
