package io.github.vertxchannels.client;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelTimeoutException;
import io.github.vertxchannels.ReceiveResult;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.grpc.v1.CloseRequest;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.ReceiveRequest;
import io.github.vertxchannels.grpc.v1.ReceiveResponse;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResponse;
import io.github.vertxchannels.grpc.v1.TryReceiveRequest;
import io.vertx.core.buffer.Buffer;

/**
 * A channel reached through {@link ChannelGrpcClient}: blocking calls with the Java API's
 * results ({@link SendResult}, {@link ReceiveResult}) and exceptions.
 */
public final class RemoteChannel {

  private final ChannelGrpcClient client;
  private final String id;
  private final ChannelKind kind;

  RemoteChannel(ChannelGrpcClient client, String id, ChannelKind kind) {
    this.client = client;
    this.id = id;
    this.kind = kind;
  }

  /** @return the channel id */
  public String id() {
    return id;
  }

  /** @return the channel's kind */
  public ChannelKind kind() {
    return kind;
  }

  /** Non-blocking send: OK, BUSY or CLOSED (S-SEND-1..5). */
  public SendResult send(byte[] payload) {
    return sendResult(ChannelGrpcClient.call(() -> client.blocking.send(SendRequest.newBuilder()
      .setChannelId(id).setPayload(ByteString.copyFrom(payload)).build())));
  }

  /** Blocking send (S-EXT-SENDWAIT): OK or CLOSED; throws on timeout and too large. */
  public SendResult send(byte[] payload, long timeoutMs) {
    return sendResult(ChannelGrpcClient.call(() -> client.blocking.send(SendRequest.newBuilder()
      .setChannelId(id).setPayload(ByteString.copyFrom(payload)).setWait(true).setTimeoutMs(timeoutMs).build())));
  }

  /** Non-blocking receive (S-RECV-1). */
  public ReceiveResult tryReceive() {
    return receiveResult(ChannelGrpcClient.call(() -> client.blocking.tryReceive(
      TryReceiveRequest.newBuilder().setChannelId(id).build())));
  }

  /** Blocking receive (S-RECV-3); throws {@link ChannelTimeoutException} on timeout. */
  public ReceiveResult receive(long timeoutMs) {
    return receiveResult(ChannelGrpcClient.call(() -> client.blocking.receive(
      ReceiveRequest.newBuilder().setChannelId(id).setTimeoutMs(timeoutMs).build())));
  }

  /** Closes the channel; idempotent (S-CLOSE-1). */
  public void close() {
    ChannelGrpcClient.call(() -> client.blocking.close(CloseRequest.newBuilder().setChannelId(id).build()));
  }

  /** @return size, max_size, closed and counters */
  public ChannelInfo info() {
    return ChannelGrpcClient.call(() -> info(client.blocking.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo()));
  }

  /**
   * Consumes the channel through a Stream call with credit: {@code windowMessages} messages and
   * {@code windowBytes} bytes may be in flight at once (at least the largest message).
   */
  public RemoteStream stream(int windowMessages, long windowBytes) {
    return new RemoteStream(client, id, kind, windowMessages, windowBytes);
  }

  @Override
  public String toString() {
    return kind.wireName() + " channel " + id;
  }

  private static SendResult sendResult(SendResponse response) {
    switch (response.getResult()) {
      case SEND_RESULT_OK:
        return SendResult.OK;
      case SEND_RESULT_BUSY:
        return SendResult.BUSY;
      case SEND_RESULT_CLOSED:
        return SendResult.CLOSED;
      case SEND_RESULT_TIMEOUT:
        throw new ChannelTimeoutException("no room before the timeout");
      default:
        throw new IllegalStateException("unexpected send result " + response.getResult());
    }
  }

  private static ReceiveResult receiveResult(ReceiveResponse response) {
    switch (response.getStatus()) {
      case RECEIVE_STATUS_MESSAGE:
        return ReceiveResult.message(Buffer.buffer(response.getPayload().toByteArray()));
      case RECEIVE_STATUS_EMPTY:
        return ReceiveResult.empty();
      case RECEIVE_STATUS_CLOSED:
        return ReceiveResult.closed();
      case RECEIVE_STATUS_TIMEOUT:
        throw new ChannelTimeoutException("no message before the timeout");
      default:
        throw new IllegalStateException("unexpected receive status " + response.getStatus());
    }
  }

  static ChannelInfo info(io.github.vertxchannels.grpc.v1.ChannelInfo p) {
    return new ChannelInfo(p.getId(),
      p.getKind() == io.github.vertxchannels.grpc.v1.ChannelKind.CHANNEL_KIND_TERM ? ChannelKind.TERM : ChannelKind.BYTES,
      p.getSize(), p.getMaxSize(), p.getClosed(), p.getMessages(), p.getWaitingReceivers(), p.getWaitingSenders(),
      p.getReservedBytes(), p.getInFlightBytes());
  }

  static io.github.vertxchannels.grpc.v1.ChannelKind kind(ChannelKind kind) {
    return kind == ChannelKind.TERM
      ? io.github.vertxchannels.grpc.v1.ChannelKind.CHANNEL_KIND_TERM
      : io.github.vertxchannels.grpc.v1.ChannelKind.CHANNEL_KIND_BYTES;
  }
}
