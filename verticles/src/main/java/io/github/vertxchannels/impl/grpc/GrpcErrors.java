package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.ChannelException;
import io.github.vertxchannels.impl.metrics.ChannelCounters;
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
    return GrpcStatus.INTERNAL;
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
    fail(response, status(failure), failure.getMessage() == null ? failure.toString() : failure.getMessage());
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
