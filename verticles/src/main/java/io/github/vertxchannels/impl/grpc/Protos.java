package io.github.vertxchannels.impl.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.InvalidArgumentException;
import io.github.vertxchannels.SendResult;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/** Conversions between the Java API's types and the generated protobuf types. */
final class Protos {

  private Protos() {
  }

  /**
   * A payload as a protobuf ByteString without copying it when it is backed by a heap array (the
   * usual case): a channel owns its payloads and never modifies them, so sharing the array is
   * safe, and it saves a copy of every pushed byte (the 64 KiB case is copy-bound).
   */
  static ByteString bytes(Buffer payload) {
    if (payload instanceof BufferInternal internal) {
      ByteBuf buf = internal.getByteBuf(); // a slice: no copy
      if (buf.hasArray()) {
        return UnsafeByteOperations.unsafeWrap(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
      }
    }
    return UnsafeByteOperations.unsafeWrap(payload.getBytes());
  }

  static io.github.vertxchannels.grpc.v1.ChannelInfo info(ChannelInfo info) {
    return io.github.vertxchannels.grpc.v1.ChannelInfo.newBuilder()
      .setId(info.id())
      .setKind(kind(info.kind()))
      .setSize(info.size())
      .setMaxSize(info.maxSize())
      .setClosed(info.closed())
      .setMessages(info.messages())
      .setWaitingReceivers(info.waitingReceivers())
      .setWaitingSenders(info.waitingSenders())
      .setReservedBytes(info.reservedBytes())
      .setInFlightBytes(info.inFlightBytes())
      .build();
  }

  static io.github.vertxchannels.grpc.v1.ChannelKind kind(ChannelKind kind) {
    return kind == ChannelKind.TERM
      ? io.github.vertxchannels.grpc.v1.ChannelKind.CHANNEL_KIND_TERM
      : io.github.vertxchannels.grpc.v1.ChannelKind.CHANNEL_KIND_BYTES;
  }

  /** @return the kind, or {@code null} for UNSPECIFIED (meaning "either") */
  static ChannelKind kindOrNull(io.github.vertxchannels.grpc.v1.ChannelKind kind) {
    switch (kind) {
      case CHANNEL_KIND_TERM:
        return ChannelKind.TERM;
      case CHANNEL_KIND_BYTES:
        return ChannelKind.BYTES;
      case CHANNEL_KIND_UNSPECIFIED:
        return null;
      default:
        throw new InvalidArgumentException("unknown channel kind " + kind);
    }
  }

  static io.github.vertxchannels.grpc.v1.SendResult sendResult(SendResult result) {
    switch (result) {
      case OK:
        return io.github.vertxchannels.grpc.v1.SendResult.SEND_RESULT_OK;
      case BUSY:
        return io.github.vertxchannels.grpc.v1.SendResult.SEND_RESULT_BUSY;
      default:
        return io.github.vertxchannels.grpc.v1.SendResult.SEND_RESULT_CLOSED;
    }
  }
}
