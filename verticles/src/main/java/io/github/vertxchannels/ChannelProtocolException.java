package io.github.vertxchannels;

/**
 * A request the channel verticle did not understand (a version mismatch or a misused protocol).
 */
public final class ChannelProtocolException extends ChannelException {

  /**
   * @param message what went wrong, for a person
   */
  public ChannelProtocolException(String message) {
    super(ChannelError.PROTOCOL, message);
  }
}
