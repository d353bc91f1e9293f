package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.ChannelError;
import io.github.vertxchannels.ChannelException;
import io.github.vertxchannels.grpc.v1.SendResponse;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.vertx.core.Future;

/** A waiting send that found no room in time is an Erlang result ({@code {error, timeout}}), not an error status. */
final class SendTimeouts {

  private SendTimeouts() {
  }

  static Future<SendResponse> asResult(Throwable failure) {
    if (failure instanceof ChannelException e && e.error() == ChannelError.TIMEOUT) {
      return Future.succeededFuture(SendResponse.newBuilder().setResult(SendResult.SEND_RESULT_TIMEOUT).build());
    }
    return Future.failedFuture(failure);
  }
}
