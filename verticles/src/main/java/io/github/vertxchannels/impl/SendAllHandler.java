package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelAddresses;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelError;
import io.github.vertxchannels.MessageTooLargeException;
import io.github.vertxchannels.SendAllResult;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

import java.util.List;

/**
 * {@code send-all}: a batch of blocking sends in one request. Every payload is validated before
 * any is enqueued (S-FIX-DECODE), so a bad payload refuses the whole batch and loses nothing;
 * then the batch waits as one sender (S-EXT-SENDWAIT) and the reply says how many went in.
 */
final class SendAllHandler extends OwnerHandler {

  private final int maxMessageSize;
  private final TermCheck termCheck;

  SendAllHandler(ChannelRegistry registry, int maxMessageSize, TermCheck termCheck) {
    super(registry);
    this.maxMessageSize = maxMessageSize;
    this.termCheck = termCheck;
  }

  @Override
  protected void handle(Message<Object> message, ChannelQueue channel) {
    if (!(message.body() instanceof DeliveryBatch batch)) {
      throw new IllegalArgumentException("send-all needs a batch of payloads as its body");
    }
    List<Buffer> payloads = batch.payloads();
    for (int i = 0; i < payloads.size(); i++) {
      Buffer payload = payloads.get(i);
      if (payload.length() > maxMessageSize) {
        throw new MessageTooLargeException("payload " + i + " of " + payload.length()
          + " bytes exceeds the server's message limit of " + maxMessageSize + " bytes (max_message_size); nothing was sent");
      }
    }
    long timeoutMs = longHeader(message, ChannelAddresses.TIMEOUT, -1);
    if (channel.kind() != ChannelKind.TERM) {
      replyWith(message, channel.sendAllWait(payloads, timeoutMs), SendAllHandler::reply);
      return;
    }
    termCheck.check(channel.id(), payloads, ar -> {
      if (ar.failed()) {
        fail(message, ChannelError.INVALID_ARGUMENT, ar.cause().getMessage());
      } else {
        guarded(message, () -> replyWith(message, channel.sendAllWait(payloads, timeoutMs), SendAllHandler::reply));
      }
    });
  }

  private static void reply(Message<?> message, SendAllResult result) {
    String why = result.allSent() ? "ok" : result.closed() ? "closed" : "timeout";
    message.reply(null, new DeliveryOptions()
      .addHeader(ChannelAddresses.SENT, Integer.toString(result.sent()))
      .addHeader(ChannelAddresses.RESULT, why));
  }
}
