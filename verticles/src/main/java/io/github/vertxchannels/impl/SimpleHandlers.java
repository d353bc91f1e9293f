package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelAddresses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;

/** The one-line actions: attach, info, close, cancel-receive, requeue. */
final class SimpleHandlers {

  private SimpleHandlers() {
  }

  /** {@code attach}: info of a channel, checking its kind when a {@code kind} header is given. */
  static final class Attach extends OwnerHandler {
    Attach(ChannelRegistry registry) {
      super(registry);
    }

    @Override
    protected void handle(Message<Object> message, ChannelQueue channel) {
      checkKind(message, channel);
      message.reply(channel.info().toJson());
    }
  }

  /** {@code info} (S-INFO-1). */
  static final class Info extends OwnerHandler {
    Info(ChannelRegistry registry) {
      super(registry);
    }

    @Override
    protected void handle(Message<Object> message, ChannelQueue channel) {
      message.reply(channel.info().toJson());
    }
  }

  /** {@code close} (S-CLOSE-1): idempotent, always {@code ok}. */
  static final class Close extends OwnerHandler {
    Close(ChannelRegistry registry) {
      super(registry);
    }

    @Override
    protected void handle(Message<Object> message, ChannelQueue channel) {
      channel.close();
      registry.retireWhenDrained(channel);
      message.reply(null);
    }
  }

  /** {@code cancel-receive}: a requester gave up a blocking receive (S-FIX-TIMEOUT). */
  static final class CancelReceive extends OwnerHandler {
    CancelReceive(ChannelRegistry registry) {
      super(registry);
    }

    @Override
    protected void handle(Message<Object> message, ChannelQueue channel) {
      String receiveId = message.headers().get(ChannelAddresses.RECEIVE_ID);
      if (receiveId != null) {
        channel.cancelReceive(receiveId);
      }
    }
  }

  /** {@code requeue}: a message received for a caller that went away goes back to the head (S-FIX-CANCEL). */
  static final class Requeue extends OwnerHandler {
    Requeue(ChannelRegistry registry) {
      super(registry);
    }

    @Override
    protected void handle(Message<Object> message, ChannelQueue channel) {
      if (message.body() instanceof Buffer payload) {
        channel.requeue(payload);
      }
      if (message.replyAddress() != null) {
        message.reply(null);
      }
    }
  }
}
