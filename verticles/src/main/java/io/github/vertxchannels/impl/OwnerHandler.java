package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelAddresses;
import io.github.vertxchannels.ChannelError;
import io.github.vertxchannels.ChannelException;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.WrongKindException;
import io.github.vertxchannels.etf.EtfException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.Message;

/**
 * The shared base of the owner's per-action handlers: finds the channel named by the
 * {@code channel} header and turns failures into event-bus failures with our codes, so that each
 * handler is only its own concern.
 */
abstract class OwnerHandler implements Handler<Message<Object>> {

  protected final ChannelRegistry registry;

  OwnerHandler(ChannelRegistry registry) {
    this.registry = registry;
  }

  @Override
  public final void handle(Message<Object> message) {
    String id = message.headers().get(ChannelAddresses.CHANNEL);
    ChannelQueue channel = registry.get(id);
    if (channel == null) {
      fail(message, ChannelError.NOT_FOUND, "no channel with id '" + id + "'");
      return;
    }
    guarded(message, () -> handle(message, channel));
  }

  /** Runs part of a handler, turning its failures into event-bus failures with our codes. */
  static void guarded(Message<?> message, Runnable part) {
    try {
      part.run();
    } catch (ChannelException e) {
      fail(message, e.error(), e.getMessage());
    } catch (EtfException e) {
      fail(message, ChannelError.INVALID_ARGUMENT, "not a valid ETF term: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      fail(message, ChannelError.INVALID_ARGUMENT, e.getMessage());
    }
  }

  /** Handles a request for a channel that exists. May throw a {@link ChannelException}. */
  protected abstract void handle(Message<Object> message, ChannelQueue channel);

  /** Checks the optional {@code kind} header against the channel's kind (attach, subscribe). */
  static void checkKind(Message<?> message, ChannelQueue channel) {
    String kind = message.headers().get(ChannelAddresses.KIND);
    if (kind != null && ChannelKind.fromWireName(kind) != channel.kind()) {
      throw new WrongKindException("channel " + channel.id() + " is a " + channel.kind().wireName()
        + " channel, not a " + kind + " channel");
    }
  }

  static void fail(Message<?> message, ChannelError error, String text) {
    if (message.replyAddress() != null) {
      message.fail(error.code(), text);
    }
  }

  /** Replies with a future's value, or with its failure mapped to our codes. */
  static <T> void replyWith(Message<?> message, Future<T> future, java.util.function.BiConsumer<Message<?>, T> onSuccess) {
    future.onComplete(ar -> {
      if (ar.succeeded()) {
        onSuccess.accept(message, ar.result());
      } else if (ar.cause() instanceof ChannelException e) {
        fail(message, e.error(), e.getMessage());
      } else {
        fail(message, ChannelError.PROTOCOL, String.valueOf(ar.cause()));
      }
    });
  }

  static long longHeader(Message<?> message, String name, long absent) {
    String v = message.headers().get(name);
    if (v == null) {
      return absent;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("header '" + name + "' is not an integer: '" + v + "'");
    }
  }
}
