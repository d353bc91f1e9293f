package io.github.vertxchannels;

/**
 * The cluster node that owned the channel is gone: the channel and its queued messages are lost.
 */
public final class OwnerLostException extends ChannelException {

  /**
   * @param message what went wrong, for a person
   */
  public OwnerLostException(String message) {
    super(ChannelError.OWNER_LOST, message);
  }
}
