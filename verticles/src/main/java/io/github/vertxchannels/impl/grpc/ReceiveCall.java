package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.ChannelError;
import io.github.vertxchannels.ChannelException;
import io.github.vertxchannels.ReceiveResult;
import io.github.vertxchannels.impl.EventBusChannels;
import io.github.vertxchannels.impl.NodeState;
import io.github.vertxchannels.grpc.v1.ReceiveResponse;
import io.github.vertxchannels.grpc.v1.ReceiveStatus;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;


/**
 * One TryReceive or Receive call. A receive must never lose a message (S-FIX-CANCEL): when the
 * client cancels while waiting, the owner's waiter is cancelled; when a message was already
 * dequeued for a call that is gone (or whose response could not be written), it goes back to the
 * head of the channel.
 */
final class ReceiveCall {

  private final EventBusChannels channels;
  private final GrpcServerRequest<?, ReceiveResponse> call;
  private final String channelId;
  private final String receiveId = EventBusChannels.newReceiveId();
  private boolean gone;

  private ReceiveCall(EventBusChannels channels, GrpcServerRequest<?, ReceiveResponse> call, String channelId) {
    this.channels = channels;
    this.call = call;
    this.channelId = channelId;
  }

  /** Starts a receive; {@code timeoutMs == null} is a non-blocking try_receive. */
  static void start(EventBusChannels channels, GrpcServerRequest<?, ReceiveResponse> call, String channelId, Long timeoutMs) {
    new ReceiveCall(channels, call, channelId).run(timeoutMs);
  }

  private void run(Long timeoutMs) {
    call.errorHandler(err -> onGone());
    call.exceptionHandler(err -> onGone());
    call.response().exceptionHandler(err -> onGone());
    Future<ReceiveResult> result;
    try {
      result = timeoutMs == null
        ? channels.tryReceive(channelId)
        : channels.receive(channelId, timeoutMs, receiveId);
    } catch (Throwable e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.failed()) {
        if (ar.cause() instanceof ChannelException e && e.error() == ChannelError.TIMEOUT) {
          respond(ReceiveResponse.newBuilder().setStatus(ReceiveStatus.RECEIVE_STATUS_TIMEOUT).build(), null);
        } else {
          GrpcErrors.fail(call.response(), ar.cause());
        }
        return;
      }
      ReceiveResult r = ar.result();
      if (r.isMessage()) {
        Buffer payload = r.payload();
        if (gone) {
          channels.requeue(channelId, payload);
          return;
        }
        if (NodeState.isStopping() || call.response().writeQueueFull()) {
          // Hand a message over only to a call that can take it now: a client that stopped reading
          // (its HTTP/2 window is full) may be dead, and what its socket buffers would be lost.
          channels.requeue(channelId, payload);
          GrpcErrors.fail(call.response(), GrpcStatus.UNAVAILABLE, NodeState.isStopping() ? GrpcErrors.SHUTTING_DOWN
            : "this connection is not reading what the server writes: the message stays at the head of channel "
              + channelId + ", receive again");
          return;
        }
        respond(ReceiveResponse.newBuilder()
          .setStatus(ReceiveStatus.RECEIVE_STATUS_MESSAGE)
          .setPayload(Protos.bytes(payload))
          .build(), payload);
      } else if (r.isClosed() && NodeState.isStopping()) {
        GrpcErrors.fail(call.response(), GrpcStatus.UNAVAILABLE, GrpcErrors.SHUTTING_DOWN);
      } else {
        respond(ReceiveResponse.newBuilder()
          .setStatus(r.isClosed() ? ReceiveStatus.RECEIVE_STATUS_CLOSED : ReceiveStatus.RECEIVE_STATUS_EMPTY)
          .build(), null);
      }
    });
  }

  private void respond(ReceiveResponse response, Buffer payloadToRequeueOnFailure) {
    Future<Void> written;
    try {
      written = call.response().end(response);
    } catch (IllegalStateException ended) {
      written = Future.failedFuture(ended);
    }
    if (payloadToRequeueOnFailure != null) {
      written.onFailure(err -> channels.requeue(channelId, payloadToRequeueOnFailure));
    }
  }

  private void onGone() {
    if (!gone) {
      gone = true;
      channels.cancelReceive(channelId, receiveId);
    }
  }
}
