package io.github.vertxchannels.client;

import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelTimeoutException;
import io.github.vertxchannels.ReceiveResult;
import io.github.vertxchannels.InvalidArgumentException;
import io.github.vertxchannels.SendAllResult;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.grpc.v1.CloseRequest;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.ReceiveRequest;
import io.github.vertxchannels.grpc.v1.ReceiveResponse;
import io.github.vertxchannels.grpc.v1.TryReceiveRequest;
import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * A channel reached through {@link ChannelGrpcClient}: blocking calls with the Java API's
 * results ({@link SendResult}, {@link ReceiveResult}) and exceptions.
 */
public final class RemoteChannel {

  private final ChannelGrpcClient client;
  private final String id;
  private final ChannelKind kind;
  private final PipelinedProducer producer;
  private final PrefetchedReceiver receiver;

  RemoteChannel(ChannelGrpcClient client, String id, ChannelKind kind) {
    this.client = client;
    this.id = id;
    this.kind = kind;
    this.producer = client.producer(id, kind);
    this.receiver = client.receiver(id, kind, this::exactTryReceive, this::exactReceive);
  }

  /** @return the channel id */
  public String id() {
    return id;
  }

  /** @return the channel's kind */
  public ChannelKind kind() {
    return kind;
  }

  /**
   * Non-blocking send: OK, BUSY or CLOSED (S-SEND-1..5). Pipelined (S-EXT-RESERVE): while this
   * channel's producer stream holds reserved room, OK is answered at once, the server having
   * reserved room for the message, and sends are coalesced into few frames; otherwise the server
   * answers. A term payload is validated here first ({@link InvalidArgumentException}).
   *
   * @throws UnconfirmedSendsException earlier sends reported OK could not be enqueued (the
   *                                   channel closed meanwhile, the stream broke): nothing is lost silently
   */
  public SendResult send(byte[] payload) {
    return producer.send(payload, null);
  }

  /**
   * Blocking send (S-EXT-SENDWAIT): OK or CLOSED; throws {@link ChannelTimeoutException} when
   * no room came in time and {@link io.github.vertxchannels.MessageTooLargeException} when the
   * payload is larger than max_size. Pipelined like {@link #send(byte[])}.
   */
  public SendResult send(byte[] payload, long timeoutMs) {
    return producer.send(payload, timeoutMs);
  }

  /**
   * Blocking sends of a batch, in order, pipelined (see {@link #send(byte[], long)}): the ones
   * sent are a prefix. Throws TOO_LARGE before sending anything when one can never fit.
   */
  public SendAllResult sendAll(List<byte[]> payloads, long timeoutMs) {
    return producer.sendAll(payloads, timeoutMs);
  }

  /**
   * Sends what is coalesced and waits until the server confirmed every send of this channel
   * object so far (enqueued).
   *
   * @throws UnconfirmedSendsException when some sends reported OK could not be enqueued
   */
  public void flush() {
    producer.flush();
  }

  /**
   * Non-blocking receive (S-RECV-1). Receives in a tight loop are served from a bounded,
   * revocable prefetch (S-EXT-REVOKE: order and fairness as for one call per message).
   */
  public ReceiveResult tryReceive() {
    producer.flush(); // read your own writes
    return receiver.tryReceive();
  }

  /**
   * Blocking receive (S-RECV-3); throws {@link ChannelTimeoutException} on timeout. Prefetched
   * in a tight loop like {@link #tryReceive()}.
   */
  public ReceiveResult receive(long timeoutMs) {
    producer.flush();
    return receiver.receive(timeoutMs);
  }

  private ReceiveResult exactTryReceive() {
    return receiveResult(ChannelGrpcClient.call(() -> client.blocking.tryReceive(
      TryReceiveRequest.newBuilder().setChannelId(id).build())));
  }

  private ReceiveResult exactReceive(long timeoutMs) {
    return receiveResult(ChannelGrpcClient.call(() -> client.blocking.receive(
      ReceiveRequest.newBuilder().setChannelId(id).setTimeoutMs(timeoutMs).build())));
  }

  /**
   * Closes the channel; idempotent (S-CLOSE-1). First waits until every send of this channel
   * object was confirmed, and ends its producer stream.
   *
   * @throws UnconfirmedSendsException after closing, when some sends reported OK could not be enqueued
   */
  public void close() {
    receiver.end();
    producer.close(() -> ChannelGrpcClient.call(() -> client.blocking.close(CloseRequest.newBuilder().setChannelId(id).build())));
  }

  /** @return size, max_size, closed and counters (after this object's sends are confirmed) */
  public ChannelInfo info() {
    producer.flush();
    return ChannelGrpcClient.call(() -> info(client.blocking.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo()));
  }

  /**
   * Consumes the channel through a Stream call with credit: {@code windowMessages} messages and
   * {@code windowBytes} bytes may be in flight at once (at least the largest message).
   */
  public RemoteStream stream(int windowMessages, long windowBytes) {
    receiver.end(); // what the prefetch holds goes back to the head first: the stream sees it, in order
    return new RemoteStream(client, id, kind, windowMessages, windowBytes);
  }

  @Override
  public String toString() {
    return kind.wireName() + " channel " + id;
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
