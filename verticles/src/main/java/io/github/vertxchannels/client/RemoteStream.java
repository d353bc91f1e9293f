package io.github.vertxchannels.client;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.grpc.v1.Ack;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.Credit;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.grpc.stub.StreamObserver;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A blocking consumer over one Stream call: messages are pushed within the credit window into a
 * local queue; {@link #next(long)} hands them over one by one, acknowledges them and refills the
 * window. {@link #close()} ends the call; whatever was pushed and not handed over returns to the
 * channel (S-EXT-REDELIVER).
 */
public final class RemoteStream implements AutoCloseable {

  private static final Object END = new Object();

  private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private final StreamObserver<ClientFrame> requests;
  private final int windowMessages;
  private final long windowBytes;
  private long handedSeq;
  private long ackedSeq;
  private long unreturnedBytes;
  private long seqOfNext = 1;
  private boolean ended;

  RemoteStream(ChannelGrpcClient client, String channelId, ChannelKind kind, int windowMessages, long windowBytes) {
    this.windowMessages = windowMessages;
    this.windowBytes = windowBytes;
    this.requests = client.async.stream(new StreamObserver<>() {
      @Override
      public void onNext(ServerFrame frame) {
        switch (frame.getFrameCase()) {
          case DELIVERIES:
            inbox.addAll(frame.getDeliveries().getPayloadsList());
            break;
          case CLOSED:
            inbox.add(END);
            break;
          default:
            break;
        }
      }

      @Override
      public void onError(Throwable t) {
        inbox.add(ChannelGrpcClient.fromStatus(io.grpc.Status.fromThrowable(t), io.grpc.Status.trailersFromThrowable(t)));
      }

      @Override
      public void onCompleted() {
        inbox.add(END);
      }
    });
    write(ClientFrame.newBuilder().setOpen(OpenStream.newBuilder()
      .setChannelId(channelId)
      .setExpectedKind(RemoteChannel.kind(kind))
      .setInitialCreditMessages(windowMessages)
      .setInitialCreditBytes(windowBytes)).build());
  }

  /**
   * The next message, waiting up to {@code timeoutMs} (negative = forever).
   *
   * @return the payload, or {@code null} when the channel is closed and drained (S-CLOSE-4)
   * @throws io.github.vertxchannels.ChannelTimeoutException when nothing arrives in time
   */
  public byte[] next(long timeoutMs) throws InterruptedException {
    if (ended) {
      return null;
    }
    if (inbox.isEmpty() && handedSeq > ackedSeq) {
      // About to wait: acknowledge what was handed over, since unacknowledged messages take room
      // in the channel (held for redelivery) and a producer may be waiting for it.
      returnCredit();
    }
    Object item = timeoutMs < 0 ? inbox.take() : inbox.poll(timeoutMs, TimeUnit.MILLISECONDS);
    if (item == null) {
      throw new io.github.vertxchannels.ChannelTimeoutException("no message within " + timeoutMs + " ms");
    }
    if (item == END) {
      ended = true;
      close();
      return null;
    }
    if (item instanceof RuntimeException e) {
      ended = true;
      throw e;
    }
    ByteString payload = (ByteString) item;
    handedSeq = seqOfNext++;
    unreturnedBytes += payload.size();
    // Acknowledge and refill in half-window steps: few frames, and the server never starves.
    if (handedSeq - ackedSeq >= Math.max(1, windowMessages / 2)) {
      returnCredit();
    }
    return payload.toByteArray();
  }

  private void returnCredit() {
    write(ClientFrame.newBuilder().setAck(Ack.newBuilder().setUpToSeq(handedSeq)).build());
    write(ClientFrame.newBuilder().setCredit(Credit.newBuilder()
      .setMessages((int) (handedSeq - ackedSeq)).setBytes(unreturnedBytes)).build());
    ackedSeq = handedSeq;
    unreturnedBytes = 0;
  }

  /** Acknowledges what was handed over and ends the call. */
  @Override
  public synchronized void close() {
    if (handedSeq > ackedSeq) {
      write(ClientFrame.newBuilder().setAck(Ack.newBuilder().setUpToSeq(handedSeq)).build());
      ackedSeq = handedSeq;
    }
    try {
      requests.onCompleted();
    } catch (IllegalStateException alreadyClosed) {
      // the call already ended
    }
  }

  private synchronized void write(ClientFrame frame) {
    try {
      requests.onNext(frame);
    } catch (IllegalStateException alreadyClosed) {
      // the call already ended; next() reports why
    }
  }
}
