package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.ChannelException;
import io.vertx.grpc.common.GrpcStatus;
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

  static void fail(GrpcServerResponse<?, ?> response, Throwable failure) {
    if (failure instanceof ChannelException e) {
      try {
        response.trailers().set(ERROR_TRAILER, e.error().name().toLowerCase());
      } catch (IllegalStateException ended) {
        return;
      }
    }
    fail(response, status(failure), message(failure));
  }

  static void fail(GrpcServerResponse<?, ?> response, GrpcStatus status, String message) {
    try {
      response.status(status).statusMessage(message).end();
    } catch (IllegalStateException alreadyEnded) {
      // the call ended first (client cancelled): nobody to tell
    }
  }
}
