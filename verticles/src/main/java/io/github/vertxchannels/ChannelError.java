package io.github.vertxchannels;

/**
 * The failures of channel operations, with the failure code each one travels with on the event
 * bus ({@code message.fail(code, text)}) and the gRPC status it maps to. Erlang results
 * ({@code ok}, {@code busy}, {@code closed}, {@code empty}) are never failures.
 */
public enum ChannelError {

  /** A blocking receive or send found nothing / no room before its timeout ({@code {error, timeout}}). */
  TIMEOUT(1, "DEADLINE_EXCEEDED"),
  /** A waiting send of a payload larger than {@code max_size}: it could never fit (S-EXT-SENDWAIT). */
  TOO_LARGE(2, "OUT_OF_RANGE"),
  /** No channel has this id (or the id is malformed). */
  NOT_FOUND(3, "NOT_FOUND"),
  /** A malformed term (S-FIX-DECODE) or a bad option (S-FIX-OPTS). */
  INVALID_ARGUMENT(4, "INVALID_ARGUMENT"),
  /** The channel exists but is of the other kind. */
  WRONG_KIND(5, "FAILED_PRECONDITION"),
  /** The node that owned the channel is gone (cluster). */
  OWNER_LOST(6, "UNAVAILABLE"),
  /** The request was not understood (a protocol error between nodes or versions). */
  PROTOCOL(7, "FAILED_PRECONDITION"),
  /** A per-connection limit of the gRPC server was reached; nothing was done. */
  LIMIT(8, "RESOURCE_EXHAUSTED");

  private final int code;
  private final String grpcStatus;

  ChannelError(int code, String grpcStatus) {
    this.code = code;
    this.grpcStatus = grpcStatus;
  }

  /** @return the event-bus failure code, offset so that it never collides with Vert.x's own codes */
  public int code() {
    return 0x4300 + code;
  }

  /**
   * @return whether a client can tell this error only by the server's {@code vertx-channels-error}
   * trailer: its status code also means something else (a protocol error, any unreachable server,
   * a message too large for the transport)
   */
  public boolean needsTrailer() {
    return this == PROTOCOL || this == OWNER_LOST || this == LIMIT;
  }

  /** @return the name of the gRPC status code this failure maps to */
  public String grpcStatus() {
    return grpcStatus;
  }

  /**
   * @param failureCode an event-bus failure code
   * @return the error with that code, or {@code null} when it is not one of ours
   */
  public static ChannelError fromCode(int failureCode) {
    for (ChannelError e : values()) {
      if (e.code() == failureCode) {
        return e;
      }
    }
    return null;
  }

  /**
   * Creates the exception type of this error.
   *
   * @param message what went wrong
   * @return the exception
   */
  public ChannelException toException(String message) {
    switch (this) {
      case TIMEOUT:
        return new ChannelTimeoutException(message);
      case TOO_LARGE:
        return new MessageTooLargeException(message);
      case NOT_FOUND:
        return new UnknownChannelException(message);
      case INVALID_ARGUMENT:
        return new InvalidArgumentException(message);
      case WRONG_KIND:
        return new WrongKindException(message);
      case OWNER_LOST:
        return new OwnerLostException(message);
      case LIMIT:
        return new LimitExceededException(message);
      default:
        return new ChannelProtocolException(message);
    }
  }
}
