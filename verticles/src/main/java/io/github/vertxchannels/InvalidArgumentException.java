package io.github.vertxchannels;

/**
 * A payload that is not exactly one well-formed ETF term sent to a term channel (S-FIX-DECODE),
 * or an invalid option such as a negative {@code max_size} (S-FIX-OPTS). Nothing was enqueued.
 */
public final class InvalidArgumentException extends ChannelException {

  /**
   * @param message what went wrong, for a person
   */
  public InvalidArgumentException(String message) {
    super(ChannelError.INVALID_ARGUMENT, message);
  }
}
