package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.ChannelAddresses;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.InvalidArgumentException;
import io.github.vertxchannels.LimitExceededException;
import io.github.vertxchannels.grpc.ChannelServerOptions;
import io.github.vertxchannels.impl.EventBusChannels;
import io.github.vertxchannels.impl.NodeState;
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
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The unary calls that need no more than "one request, one future, one response": create,
 * attach, send, close, info. (Receives have their own handler: they must never lose a message
 * to a cancelled call.)
 */
final class UnaryCalls {

  private final EventBusChannels channels;
  private final ConnectionLimits limits;
  private final ChannelBudget budget;
  private final long maxChannelSize;
  private final List<String> allowedAddressPrefixes;
  private final long maxRequestBytes;
  private final int maxMessageSize;

  UnaryCalls(EventBusChannels channels, ConnectionLimits limits, ChannelServerOptions options) {
    this.channels = channels;
    this.limits = limits;
    this.budget = new ChannelBudget(channels, options.getMaxChannelsPerConnection());
    this.maxChannelSize = options.getMaxChannelSize();
    this.allowedAddressPrefixes = List.copyOf(options.getSendToAddressPrefixes());
    this.maxRequestBytes = (long) options.getMaxMessageSize() + ChannelServerOptions.FRAMING_HEADROOM;
    this.maxMessageSize = options.getMaxMessageSize();
  }

  void bind(GrpcServer server) {
    server.callHandler(ChannelServiceGrpcService.Create, call -> Requests.onRequest(call,
      ChannelServiceGrpcService.Create.decoder(), maxRequestBytes,
      request -> respond(call, () -> create(ChannelBudget.identity(call), request))));
    server.callHandler(ChannelServiceGrpcService.Send, call -> Requests.onRequest(call,
      ChannelServiceGrpcService.Send.decoder(), maxRequestBytes,
      request -> respond(call, () -> send(call.connection(), request))));
    unary(server, ChannelServiceGrpcService.Attach, this::attach, maxRequestBytes);
    unary(server, ChannelServiceGrpcService.Close, this::close, maxRequestBytes);
    unary(server, ChannelServiceGrpcService.Info, this::info, maxRequestBytes);
    unary(server, ChannelServiceGrpcService.SendToAddress, this::sendToAddress, maxRequestBytes);
  }

  private Future<CreateResponse> create(String identity, CreateRequest request) {
    ChannelKind kind = Protos.kindOrNull(request.getKind());
    if (kind == null) {
      throw new InvalidArgumentException("kind is required: CHANNEL_KIND_TERM or CHANNEL_KIND_BYTES");
    }
    long maxSize = request.getMaxSize();
    if (maxChannelSize > 0 && maxSize > maxChannelSize) {
      throw new InvalidArgumentException("max_size " + maxSize + " exceeds the server's limit of "
        + maxChannelSize + " bytes per channel (max_channel_size)");
    }
    // "Unlimited" from a remote client is capped: one client must not be able to fill the heap.
    long effective = maxSize == 0 && maxChannelSize > 0 ? maxChannelSize : maxSize;
    return budget.create(identity, () -> channels.create(kind, effective))
      .map(info -> CreateResponse.newBuilder().setInfo(Protos.info(info)).build());
  }

  private Future<AttachResponse> attach(AttachRequest request) {
    return channels.attach(request.getChannelId(), Protos.kindOrNull(request.getExpectedKind()))
      .map(info -> AttachResponse.newBuilder().setInfo(Protos.info(info)).build());
  }

  private Future<SendResponse> send(HttpConnection connection, SendRequest request) {
    int size = request.getPayload().size();
    String refused = limits.reserveSends(connection, size);
    if (refused != null) {
      return Future.failedFuture(new LimitExceededException(refused));
    }
    Buffer payload = Buffer.buffer(request.getPayload().toByteArray());
    return (request.getWait()
      ? channels.send(request.getChannelId(), payload, request.getTimeoutMs())
      : channels.send(request.getChannelId(), payload))
      .map(result -> {
        if (result == io.github.vertxchannels.SendResult.CLOSED && NodeState.isStopping()) {
          // closed by the shutdown, not by a producer: not something to tell the client
          throw new io.github.vertxchannels.OwnerLostException(GrpcErrors.SHUTTING_DOWN);
        }
        return SendResponse.newBuilder().setResult(Protos.sendResult(result)).build();
      })
      .recover(SendTimeouts::asResult)
      .andThen(ar -> limits.sendsAnswered(connection, size));
  }

  private Future<CloseResponse> close(CloseRequest request) {
    return channels.close(request.getChannelId())
      .andThen(ar -> budget.closed(request.getChannelId()))
      .map(v -> CloseResponse.getDefaultInstance());
  }

  private Future<InfoResponse> info(InfoRequest request) {
    return channels.info(request.getChannelId())
      .map(info -> InfoResponse.newBuilder().setInfo(Protos.info(info)).build());
  }

  private Future<SendToAddressResponse> sendToAddress(SendToAddressRequest request) {
    String refused = ChannelAddresses.refusedAddress(request.getAddress(), allowedAddressPrefixes);
    if (refused != null) {
      return Future.failedFuture(new InvalidArgumentException(refused));
    }
    int size = request.getPayload().size();
    if (size > maxMessageSize) {
      throw new io.github.vertxchannels.MessageTooLargeException("payload of " + size
        + " bytes exceeds the server's message limit of " + maxMessageSize + " bytes (max_message_size)");
    }
    Buffer payload = Buffer.buffer(request.getPayload().toByteArray());
    boolean term = request.getKind() == io.github.vertxchannels.grpc.v1.ChannelKind.CHANNEL_KIND_TERM;
    if (!term) {
      return channels.sendToAddress(request.getAddress(), ChannelKind.BYTES, payload)
        .map(v -> SendToAddressResponse.getDefaultInstance());
    }
    boolean compressed = size >= 2 && (payload.getByte(1) & 0xFF) == 80;
    if (compressed && size >= 6 && payload.getUnsignedInt(2) > maxMessageSize) {
      throw new InvalidArgumentException("compressed term declares " + payload.getUnsignedInt(2)
        + " uncompressed bytes, more than the server's message limit of " + maxMessageSize + " bytes (max_message_size)");
    }
    if (!compressed && size <= 64 * 1024) {
      return channels.sendToAddress(request.getAddress(), ChannelKind.TERM, payload)
        .map(v -> SendToAddressResponse.getDefaultInstance());
    }
    // Validating a large or compressed term takes time: not on the event loop that serves every client.
    return io.vertx.core.Vertx.currentContext().executeBlocking(() ->
        channels.sendToAddress(request.getAddress(), ChannelKind.TERM, payload), false)
      .compose(sent -> sent)
      .map(v -> SendToAddressResponse.getDefaultInstance());
  }

  /** Binds a unary method: decode, run, answer the value or the failure's status. */
  static <Req, Resp> void unary(GrpcServer server, ServiceMethod<Req, Resp> method, Function<Req, Future<Resp>> logic,
                                long maxRequestBytes) {
    server.callHandler(method, call -> Requests.onRequest(call, method.decoder(), maxRequestBytes,
      request -> respond(call, () -> logic.apply(request))));
  }

  /**
   * Runs a call's logic and answers it. Any {@link Throwable} (an {@link OutOfMemoryError} while
   * copying a large payload, a bug) becomes a status with a message: a call is always answered,
   * never left hanging until the client's deadline.
   */
  private static <Req, Resp> void respond(GrpcServerRequest<Req, Resp> call, Supplier<Future<Resp>> logic) {
    Future<Resp> result;
    try {
      result = logic.get();
    } catch (Throwable e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        try {
          call.response().end(ar.result());
        } catch (IllegalStateException ended) {
          // the call ended first (client cancelled): nobody to tell
        } catch (Throwable e) {
          GrpcErrors.fail(call.response(), e);
        }
      } else {
        GrpcErrors.fail(call.response(), ar.cause());
      }
    });
  }
}
