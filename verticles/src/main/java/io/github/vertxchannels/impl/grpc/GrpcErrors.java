package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.ChannelException;
import io.github.vertxchannels.impl.metrics.ChannelCounters;
import io.github.vertxchannels.impl.NodeState;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;

/** Ends calls with a gRPC status whose message says what was wrong. */
final class GrpcErrors {

  private GrpcErrors() {
  }

  /** @return the status a failure maps to (see {@link io.github.vertxchannels.ChannelError#grpcStatus()}) */
  static GrpcStatus status(Throwable failure) {
    if (failure instanceof ChannelException e) {
      return GrpcStatus.valueOf(e.error().grpcStatus());
    }
    if (failure instanceof IllegalArgumentException) {
      return GrpcStatus.INVALID_ARGUMENT;
    }
    if (failure instanceof OutOfMemoryError) {
      return GrpcStatus.RESOURCE_EXHAUSTED;
    }
    return GrpcStatus.INTERNAL;
  }

  /** @return whether a failure is about the request itself (true whether or not the server stops) */
  private static boolean isCallersFault(Throwable failure) {
    GrpcStatus s = status(failure);
    return s == GrpcStatus.INVALID_ARGUMENT || s == GrpcStatus.RESOURCE_EXHAUSTED || s == GrpcStatus.UNAVAILABLE;
  }

  /** The status message of a failure: its own for ours, one that names the cause for the others. */
  static String message(Throwable failure) {
    if (failure instanceof OutOfMemoryError) {
      return "the server ran out of memory serving this call (" + failure.getMessage()
        + "): retry later or with smaller messages";
    }
    if (failure instanceof ChannelException || failure instanceof IllegalArgumentException) {
      return failure.getMessage() == null ? failure.toString() : failure.getMessage();
    }
    return "internal server error: " + failure;
  }

  /** Trailer naming our error (e.g. {@code owner_lost}) where a status code alone is ambiguous. */
  static final String ERROR_TRAILER = "vertx-channels-error";

  /** The status message of every call that ends because the server is shutting down. */
  static final String SHUTTING_DOWN = "the server is shutting down: retry on another server or once it is back";

  static void fail(GrpcServerResponse<?, ?> response, Throwable failure) {
    if (NodeState.isStopping() && !isCallersFault(failure)) {
      // Whatever the teardown looked like from inside (no such channel, closed, internal), the
      // truth for the client is that the server is going away.
      fail(response, GrpcStatus.UNAVAILABLE, SHUTTING_DOWN);
      return;
    }
    if (failure instanceof ChannelException e) {
      try {
        response.trailers().set(ERROR_TRAILER, e.error().name().toLowerCase());
      } catch (IllegalStateException ended) {
        return;
      }
    }
    fail(response, status(failure), message(failure));
  }

  /**
   * Answers requests that cannot be decoded with a precise status instead of a bare stream reset
   * (CANCELLED): RESOURCE_EXHAUSTED naming the limit for one larger than the server accepts,
   * INVALID_ARGUMENT for bytes that are not the method's protobuf message.
   *
   * @param maxBytes the largest request message accepted (max_message_size + framing headroom)
   */
  static void refuseInvalid(GrpcServerRequest<?, ?> call, long maxBytes) {
    call.invalidMessageHandler(invalid -> {
      if (invalid instanceof MessageSizeOverflowException big) {
        fail(call.response(), GrpcStatus.RESOURCE_EXHAUSTED, "request message of " + big.messageSize()
          + " bytes exceeds the server's limit of " + maxBytes + " bytes (max_message_size plus "
          + io.github.vertxchannels.grpc.ChannelServerOptions.FRAMING_HEADROOM + " bytes of framing)");
      } else {
        Throwable cause = invalid.getCause() == null ? invalid : invalid.getCause();
        fail(call.response(), GrpcStatus.INVALID_ARGUMENT, "malformed request: not a valid "
          + call.fullMethodName() + " request message (" + cause.getMessage() + ")");
      }
    });
  }

  static void fail(GrpcServerResponse<?, ?> response, GrpcStatus status, String message) {
    ChannelCounters.refused(status.code, message);
    try {
      response.status(status).statusMessage(message).end();
    } catch (IllegalStateException alreadyEnded) {
      // the call ended first (client cancelled): nobody to tell
    }
  }
}
