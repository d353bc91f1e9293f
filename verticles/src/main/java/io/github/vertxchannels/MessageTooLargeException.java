package io.github.vertxchannels;

/**
 * A send that asked to wait for room carries a payload larger than the channel's {@code max_size}:
 * it could never fit, so it fails at once instead of waiting forever (S-EXT-SENDWAIT).
 */
public final class MessageTooLargeException extends ChannelException {

  /**
   * @param message what went wrong, for a person
   */
  public MessageTooLargeException(String message) {
    super(ChannelError.TOO_LARGE, message);
  }
}
