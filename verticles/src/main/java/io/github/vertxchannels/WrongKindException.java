package io.github.vertxchannels;

/**
 * The channel exists but is of the other kind (a byte channel attached as a term channel, or
 * the reverse).
 */
public final class WrongKindException extends ChannelException {

  /**
   * @param message what went wrong, for a person
   */
  public WrongKindException(String message) {
    super(ChannelError.WRONG_KIND, message);
  }
}
