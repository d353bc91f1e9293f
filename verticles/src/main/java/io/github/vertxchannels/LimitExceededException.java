package io.github.vertxchannels;

/**
 * A server limit that protects it from one client was reached (gRPC {@code RESOURCE_EXHAUSTED}
 * with the trailer {@code vertx-channels-error: limit}): the channels one connection may create
 * ({@code max_channels_per_connection}) or the bytes of its sends that may wait in the server at
 * once ({@code max_pending_bytes_per_connection}). Nothing was done; retrying later can succeed.
 */
public final class LimitExceededException extends ChannelException {

  /**
   * @param message what went wrong, for a person
   */
  public LimitExceededException(String message) {
    super(ChannelError.LIMIT, message);
  }
}
