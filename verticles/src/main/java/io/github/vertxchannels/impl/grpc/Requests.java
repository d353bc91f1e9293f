package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.impl.NodeState;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;

/**
 * Decodes the request message of a unary call ourselves, so that bytes that are not the method's
 * protobuf message get INVALID_ARGUMENT saying so (the gRPC server would only reset the stream:
 * CANCELLED, which a client retries as if the network failed). A gzip-compressed request may not
 * inflate beyond the request limit (RESOURCE_EXHAUSTED): the limit applies to what is decoded,
 * not only to what travels.
 */
final class Requests {

  private Requests() {
  }

  /**
   * Installs {@code handler} for the request of {@code call}, with precise statuses for requests
   * that are too large ({@link GrpcErrors#refuseInvalid}) or malformed.
   */
  static <Req> void onRequest(GrpcServerRequest<Req, ?> call, GrpcMessageDecoder<Req> decoder, long maxBytes, Handler<Req> handler) {
    GrpcErrors.refuseInvalid(call, maxBytes);
    call.messageHandler(message -> {
      if (NodeState.isStopping()) {
        GrpcErrors.fail(call.response(), GrpcStatus.UNAVAILABLE, GrpcErrors.SHUTTING_DOWN);
        return;
      }
      Req request;
      try {
        request = decoder.decode(plain(message, maxBytes));
      } catch (TooLarge e) {
        GrpcErrors.fail(call.response(), GrpcStatus.RESOURCE_EXHAUSTED, e.getMessage());
        return;
      } catch (RuntimeException e) { // CodecException, or a corrupt encoding
        Throwable cause = e.getCause() == null ? e : e.getCause();
        GrpcErrors.fail(call.response(), GrpcStatus.INVALID_ARGUMENT, "malformed request: the bytes are not a valid "
          + call.fullMethodName() + " request message (" + cause.getMessage() + ")");
        return;
      }
      handler.handle(request);
    });
  }

  private static final class TooLarge extends RuntimeException {
    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  private static GrpcMessage plain(GrpcMessage message, long maxBytes) {
    String encoding = message.encoding();
    if (encoding == null || encoding.equals("identity")) {
      return message;
    }
    if (!encoding.equals("gzip")) {
      throw new IllegalArgumentException("unsupported message encoding '" + encoding + "'");
    }
    Buffer gz = message.payload();
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.getBytes()))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] chunk = new byte[64 * 1024];
      for (int n; (n = in.read(chunk)) > 0; ) {
        if (out.size() + (long) n > maxBytes) {
          throw new TooLarge("gzip-compressed request inflates to more than the server's limit of " + maxBytes
            + " bytes (max_message_size plus framing)");
        }
        out.write(chunk, 0, n);
      }
      return GrpcMessage.message("identity", message.format(), Buffer.buffer(out.toByteArray()));
    } catch (IOException e) {
      throw new IllegalArgumentException("corrupt gzip data: " + e.getMessage(), e);
    }
  }
}
