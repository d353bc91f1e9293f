package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.InvalidArgumentException;
import io.github.vertxchannels.impl.EventBusChannels;
import io.github.vertxchannels.grpc.v1.AttachRequest;
import io.github.vertxchannels.grpc.v1.AttachResponse;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpcService;
import io.github.vertxchannels.grpc.v1.CloseRequest;
import io.github.vertxchannels.grpc.v1.CloseResponse;
import io.github.vertxchannels.grpc.v1.CreateRequest;
import io.github.vertxchannels.grpc.v1.CreateResponse;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.InfoResponse;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResponse;
import io.github.vertxchannels.grpc.v1.SendToAddressRequest;
import io.github.vertxchannels.grpc.v1.SendToAddressResponse;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.core.http.HttpConnection;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The unary calls that need no more than "one request, one future, one response": create,
 * attach, send, close, info. (Receives have their own handler: they must never lose a message
 * to a cancelled call.)
 */
final class UnaryCalls {

  private final EventBusChannels channels;
  private final int maxChannelsPerConnection;
  /** Channels created per client connection (weak: a closed connection's count goes with it). */
  private final Map<HttpConnection, Integer> created = new WeakHashMap<>();

  UnaryCalls(EventBusChannels channels, int maxChannelsPerConnection) {
    this.channels = channels;
    this.maxChannelsPerConnection = maxChannelsPerConnection;
  }

  void bind(GrpcServer server) {
    server.callHandler(ChannelServiceGrpcService.Create, call -> call.handler(request -> {
      if (maxChannelsPerConnection > 0) {
        int n = created.merge(call.connection(), 1, Integer::sum);
        if (n > maxChannelsPerConnection) {
          created.merge(call.connection(), -1, Integer::sum);
          GrpcErrors.fail(call.response(), GrpcStatus.RESOURCE_EXHAUSTED, "this connection already created "
            + maxChannelsPerConnection + " channels, the limit (max_channels_per_connection)");
          return;
        }
      }
      respond(call, () -> create(request));
    }));
    unary(server, ChannelServiceGrpcService.Attach, this::attach);
    unary(server, ChannelServiceGrpcService.Send, this::send);
    unary(server, ChannelServiceGrpcService.Close, this::close);
    unary(server, ChannelServiceGrpcService.Info, this::info);
    unary(server, ChannelServiceGrpcService.SendToAddress, this::sendToAddress);
  }

  private Future<CreateResponse> create(CreateRequest request) {
    ChannelKind kind = Protos.kindOrNull(request.getKind());
    if (kind == null) {
      throw new InvalidArgumentException("kind is required: CHANNEL_KIND_TERM or CHANNEL_KIND_BYTES");
    }
    return channels.create(kind, request.getMaxSize())
      .map(info -> CreateResponse.newBuilder().setInfo(Protos.info(info)).build());
  }

  private Future<AttachResponse> attach(AttachRequest request) {
    return channels.attach(request.getChannelId(), Protos.kindOrNull(request.getExpectedKind()))
      .map(info -> AttachResponse.newBuilder().setInfo(Protos.info(info)).build());
  }

  private Future<SendResponse> send(SendRequest request) {
    Buffer payload = Buffer.buffer(request.getPayload().toByteArray());
    return (request.getWait()
      ? channels.send(request.getChannelId(), payload, request.getTimeoutMs())
      : channels.send(request.getChannelId(), payload))
      .map(result -> SendResponse.newBuilder().setResult(Protos.sendResult(result)).build())
      .recover(SendTimeouts::asResult);
  }

  private Future<CloseResponse> close(CloseRequest request) {
    return channels.close(request.getChannelId()).map(v -> CloseResponse.getDefaultInstance());
  }

  private Future<InfoResponse> info(InfoRequest request) {
    return channels.info(request.getChannelId())
      .map(info -> InfoResponse.newBuilder().setInfo(Protos.info(info)).build());
  }

  private Future<SendToAddressResponse> sendToAddress(SendToAddressRequest request) {
    Buffer payload = Buffer.buffer(request.getPayload().toByteArray());
    return channels.sendToAddress(request.getAddress(),
        request.getKind() == io.github.vertxchannels.grpc.v1.ChannelKind.CHANNEL_KIND_TERM ? ChannelKind.TERM : ChannelKind.BYTES,
        payload)
      .map(v -> SendToAddressResponse.getDefaultInstance());
  }

  /** Binds a unary method: decode, run, answer the value or the failure's status. */
  static <Req, Resp> void unary(GrpcServer server, ServiceMethod<Req, Resp> method, Function<Req, Future<Resp>> logic) {
    server.callHandler(method, call -> call.handler(request -> respond(call, () -> logic.apply(request))));
  }

  private static <Req, Resp> void respond(GrpcServerRequest<Req, Resp> call, Supplier<Future<Resp>> logic) {
    Future<Resp> result;
    try {
      result = logic.get();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        call.response().end(ar.result());
      } else {
        GrpcErrors.fail(call.response(), ar.cause());
      }
    });
  }
}
