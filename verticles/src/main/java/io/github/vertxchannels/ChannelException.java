package io.github.vertxchannels;

import io.vertx.core.VertxException;

/**
 * The base of every failure of a channel operation. Each subclass is one {@link ChannelError};
 * catch the subclass you care about or switch on {@link #error()}.
 */
public abstract class ChannelException extends VertxException {

  private final ChannelError error;

  ChannelException(ChannelError error, String message) {
    // No stack trace: these are expected outcomes (a timeout, a bad payload), not bugs.
    super(message, true);
    this.error = error;
  }

  /** @return which failure this is */
  public ChannelError error() {
    return error;
  }
}
