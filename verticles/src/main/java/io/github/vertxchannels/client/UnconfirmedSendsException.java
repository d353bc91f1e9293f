package io.github.vertxchannels.client;

import io.vertx.core.VertxException;

import java.util.List;

/**
 * Sends that {@link RemoteChannel#send} already reported {@code OK} (from room the server had
 * reserved, S-EXT-RESERVE) but that the server could not enqueue: the channel was closed before
 * they arrived, or the producer stream broke before they were confirmed. Raised by the next
 * send, flush or close of that channel, with the messages concerned, so that nothing is lost
 * silently. After a broken stream the messages may or may not be in the channel; after a close
 * they are not.
 */
public final class UnconfirmedSendsException extends VertxException {

  private final transient List<byte[]> messages;
  private final boolean closed;

  UnconfirmedSendsException(String message, List<byte[]> messages, boolean closed, Throwable cause) {
    super(message, cause);
    this.messages = List.copyOf(messages);
    this.closed = closed;
  }

  /** @return the messages reported OK and not confirmed as enqueued, in send order */
  public List<byte[]> messages() {
    return messages;
  }

  /**
   * @return true when the channel was closed before they arrived (they were not enqueued); false
   * when the stream broke (they may have been enqueued or not; {@link #getCause()} says why)
   */
  public boolean closed() {
    return closed;
  }
}
