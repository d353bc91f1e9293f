package io.github.vertxchannels;

/**
 * No channel has this id. A malformed id gets the same answer, so that an id reveals nothing.
 */
public final class UnknownChannelException extends ChannelException {

  /**
   * @param message what went wrong, for a person
   */
  public UnknownChannelException(String message) {
    super(ChannelError.NOT_FOUND, message);
  }
}
