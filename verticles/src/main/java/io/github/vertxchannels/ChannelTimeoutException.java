package io.github.vertxchannels;

/**
 * A blocking receive found no message, or a blocking send found no room, before its timeout
 * ({@code {error, timeout}}, S-RECV-3, S-EXT-SENDWAIT).
 */
public final class ChannelTimeoutException extends ChannelException {

  /**
   * @param message what went wrong, for a person
   */
  public ChannelTimeoutException(String message) {
    super(ChannelError.TIMEOUT, message);
  }
}
