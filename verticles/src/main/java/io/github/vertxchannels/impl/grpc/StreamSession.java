package io.github.vertxchannels.impl.grpc;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.ChannelException;
import io.github.vertxchannels.OwnerLostException;
import io.github.vertxchannels.grpc.ChannelServerOptions;
import io.github.vertxchannels.grpc.v1.ChannelClosed;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.Deliveries;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.Opened;
import io.github.vertxchannels.grpc.v1.Released;
import io.github.vertxchannels.grpc.v1.Revoke;
import io.github.vertxchannels.grpc.v1.Send;
import io.github.vertxchannels.grpc.v1.SendCredit;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.SendResults;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.github.vertxchannels.impl.ChannelSubscriber;
import io.github.vertxchannels.impl.DeliveryBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One Stream call: a session on one channel (wire protocol in verticles/README.md).
 *
 * <p>Consuming: the session holds an event-bus subscription at the channel's owner. Credit frames
 * go to the owner, which pushes no more than the credit (S-EXT-CREDIT); pushed batches are
 * coalesced here into Deliveries frames of at most {@code batch_max_messages} /
 * {@code batch_max_bytes}, written as long as HTTP/2 accepts them ({@code writeQueueFull} /
 * drain), so the server buffers at most the client's credit. Acks go to the owner; when the call
 * ends for any reason the subscription ends and the owner returns every unacknowledged message to
 * the head of the channel (S-EXT-REDELIVER).
 *
 * <p>Producing: each Send frame's payloads are sent in order; one SendResults frame answers each
 * Send frame, in the order of the frames. A frame carries at most {@code MAX_PAYLOADS_PER_SEND}
 * payloads, and each payload costs {@code PAYLOAD_COST_BYTES} on top of its length in the
 * connection's pending-bytes budget. Producer credit (S-EXT-RESERVE): Reserve frames go to the
 * owner, which reserves room for this stream and pushes SendCredit grants; the session mirrors
 * the credit the client holds, so that a reserved Send beyond it is refused here (nothing of it
 * enqueued) and a reserved Send within it is enqueued by the owner without a room check. An
 * ordinary Send counts every reservation as taken, this stream's own too; frames are forwarded to
 * the owner in the order they were read, so a Reserve(0) before it gives the room back first.
 *
 * <p>Confined to the call's event loop.
 */
final class StreamSession implements ChannelSubscriber.Listener {

  private enum State { NEW, OPENING, OPEN, ENDED }

  private final Vertx vertx;
  private final Context context;
  private final ChannelServerOptions options;
  private final ConnectionLimits limits;
  private final GrpcServerRequest<ClientFrame, ServerFrame> call;
  private final GrpcServerResponse<ClientFrame, ServerFrame> response;
  private final Consumer<StreamSession> onEnd;

  private State state = State.NEW;
  private String channelId;
  private ChannelSubscriber subscriber;
  /** Frames to write, in order: {@link DeliveryBatch}es (possibly partly written) and control frames. */
  private final ArrayDeque<Object> outbox = new ArrayDeque<>();
  /** How many payloads of the head batch were already written. */
  private int headOffset;
  private boolean flushScheduled;
  /** Highest sequence number written to the client. */
  private long pushedSeq;
  private long ackedSeq;
  /** Producer credit the client holds (granted, not used); zero while a Reserve awaits its answer. */
  private long creditBytes;
  private long creditMessages;
  /** Reserve frames forwarded to the owner whose answer (a SendCredit with reset) has not come yet. */
  private int resetsDue;
  /** Completes when the SendResults of every earlier Send frame have been written. */
  private Future<Void> sendChain = Future.succeededFuture();

  StreamSession(Vertx vertx, ChannelServerOptions options, ConnectionLimits limits,
                GrpcServerRequest<ClientFrame, ServerFrame> call, Consumer<StreamSession> onEnd) {
    this.limits = limits;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.call = call;
    this.response = call.response();
    this.onEnd = onEnd;
  }

  void start() {
    // Any Throwable (an OutOfMemoryError while copying a large Send frame, a bug) ends the call
    // with a status and a message, never leaves it unanswered until the client's deadline.
    call.handler(frame -> {
      try {
        onFrame(frame);
      } catch (Throwable t) {
        fail(t);
      }
    });
    call.endHandler(v -> onClientEnd());
    // A client cancel arrives as a gRPC error (RST_STREAM CANCEL), a lost connection as an exception.
    call.errorHandler(err -> end());
    call.exceptionHandler(err -> end());
    response.exceptionHandler(err -> end());
    response.drainHandler(v -> flush());
  }

  /** The server is stopping: tell the client and give everything unacknowledged back. */
  void shutdown() {
    protocolError(GrpcStatus.UNAVAILABLE, "the server is shutting down; unacknowledged messages were returned to the channel");
  }

  // ------------------------------------------------------------------------------ client frames

  private void onFrame(ClientFrame frame) {
    if (state == State.ENDED) {
      return;
    }
    if (frame.getFrameCase() == ClientFrame.FrameCase.OPEN) {
      if (state != State.NEW) {
        protocolError(GrpcStatus.FAILED_PRECONDITION, "OpenStream may be sent only once, as the first frame");
      } else {
        open(frame.getOpen());
      }
      return;
    }
    if (state == State.NEW) {
      protocolError(GrpcStatus.FAILED_PRECONDITION, "the first frame of a stream must be OpenStream, got " + frame.getFrameCase());
      return;
    }
    switch (frame.getFrameCase()) {
      case CREDIT:
        subscriber.flow(Integer.toUnsignedLong(frame.getCredit().getMessages()), unsigned(frame.getCredit().getBytes()), 0, false);
        break;
      case ACK:
        onAck(frame.getAck().getUpToSeq());
        break;
      case RELEASE:
        subscriber.flow(0, 0, 0, true);
        break;
      case SEND:
        onSend(frame.getSend());
        break;
      case RESERVE:
        onReserve(frame.getReserve().getBytes(), Integer.toUnsignedLong(frame.getReserve().getMessages()));
        break;
      default:
        protocolError(GrpcStatus.INVALID_ARGUMENT, "empty ClientFrame: set one of open, credit, ack, release, send, reserve");
    }
  }

  private void open(OpenStream open) {
    state = State.OPENING;
    channelId = open.getChannelId();
    // No other frame is read until the subscription exists: frames keep their order.
    call.pause();
    Future<ChannelSubscriber> opened;
    try {
      opened = ChannelSubscriber.open(vertx, channelId, Protos.kindOrNull(open.getExpectedKind()),
        Integer.toUnsignedLong(open.getInitialCreditMessages()), unsigned(open.getInitialCreditBytes()),
        open.getRevocable(), this);
    } catch (RuntimeException e) {
      opened = Future.failedFuture(e);
    }
    opened.onComplete(ar -> {
      if (ar.failed()) {
        fail(ar.cause());
        return;
      }
      subscriber = ar.result();
      if (state == State.ENDED) {
        subscriber.close();
        return;
      }
      state = State.OPEN;
      enqueue(ServerFrame.newBuilder().setOpened(Opened.newBuilder()
        .setInfo(Protos.info(subscriber.info()))
        .setMaxMessageBytes(options.getMaxMessageSize())).build());
      if (open.getReserveBytes() != 0 || open.getReserveMessages() != 0) {
        // As a Reserve frame right after OpenStream: its answer follows Opened.
        onReserve(open.getReserveBytes(), Integer.toUnsignedLong(open.getReserveMessages()));
      }
      call.resume();
    });
  }

  /** A uint64 from the wire, saturated to the largest long (credit beyond 2^63 is "unlimited"). */
  private static long unsigned(long uint64) {
    return uint64 < 0 ? Long.MAX_VALUE : uint64;
  }

  private void onAck(long upToSeq) {
    if (upToSeq < 0 || upToSeq > pushedSeq) { // < 0: a uint64 beyond 2^63, never pushed either
      protocolError(GrpcStatus.FAILED_PRECONDITION, "Ack up_to_seq " + Long.toUnsignedString(upToSeq)
        + " was never pushed: the highest sequence number pushed is " + pushedSeq);
      return;
    }
    if (upToSeq > ackedSeq) {
      ackedSeq = upToSeq;
      subscriber.flow(0, 0, upToSeq, false);
    }
  }

  /** A Reserve: revokes the client's producer credit and asks the owner for a new target (capped). */
  private void onReserve(long bytes, long messages) {
    long capBytes = Math.min(unsigned(bytes), options.getMaxReserveBytesPerStream());
    long capMessages = Math.min(messages, ChannelServerOptions.MAX_RESERVE_MESSAGES_PER_STREAM);
    if (capBytes == 0) {
      capMessages = 0; // reservations are off: nothing at all is granted
    }
    creditBytes = 0;
    creditMessages = 0;
    resetsDue++;
    subscriber.reserve(capBytes, capMessages);
  }

  private void onSend(Send send) {
    int count = send.getPayloadsCount();
    if (count > ChannelServerOptions.MAX_PAYLOADS_PER_SEND) {
      protocolError(GrpcStatus.RESOURCE_EXHAUSTED, "a Send frame carries " + count + " payloads; at most "
        + ChannelServerOptions.MAX_PAYLOADS_PER_SEND + " are allowed per frame: split it into several Send frames");
      return;
    }
    long bytes = 0;
    for (ByteString payload : send.getPayloadsList()) {
      bytes += payload.size();
    }
    // Every payload costs bookkeeping beyond its bytes: empty payloads are not free.
    long cost = bytes + (long) count * ChannelServerOptions.PAYLOAD_COST_BYTES;
    if (send.getReserved()) {
      onReservedSend(send, bytes, cost);
      return;
    }
    String refused = limits.reserveSends(call.connection(), cost);
    if (refused != null) {
      // Over the connection's budget: refuse the whole frame (nothing enqueued), in frame order.
      SendResults.Builder frame = SendResults.newBuilder().setFirstSeq(send.getFirstSeq()).setDetail(refused);
      for (int i = 0; i < send.getPayloadsCount(); i++) {
        frame.addResults(SendResult.SEND_RESULT_LIMIT);
      }
      sendChain = sendChain.transform(v -> {
        enqueue(ServerFrame.newBuilder().setSendResults(frame).build());
        return Future.succeededFuture();
      });
      return;
    }
    long reserved = cost;
    // Issue every send now, in order (the owner serves them in arrival order); answer each frame
    // after the frames before it.
    List<Future<SendResult>> results = new ArrayList<>(send.getPayloadsCount());
    String[] detail = new String[1];
    for (ByteString payload : send.getPayloadsList()) {
      Buffer buffer = Buffer.buffer(payload.toByteArray());
      Future<io.github.vertxchannels.SendResult> sent;
      try {
        // Counts this stream's own reservation too (S-EXT-RESERVE): a Reserve(0) read before
        // this frame was forwarded to the owner first, on the same address, so it applies first.
        sent = subscriber.send(buffer, send.getWait() ? Long.valueOf(send.getTimeoutMs()) : null);
      } catch (RuntimeException e) {
        sent = Future.failedFuture(e);
      }
      results.add(sent.map(Protos::sendResult).recover(err -> perSendFailure(err, detail)));
    }
    Future.join(results).onComplete(ar -> limits.sendsAnswered(call.connection(), reserved));
    Future<Void> previous = sendChain;
    sendChain = previous.transform(v -> Future.join(results)).transform(ar -> {
      if (ar.failed()) {
        fail(ar.cause()); // not a per-send outcome: the channel is gone, say so and end
        return Future.succeededFuture();
      }
      SendResults.Builder frame = SendResults.newBuilder().setFirstSeq(send.getFirstSeq());
      for (Future<SendResult> r : results) {
        frame.addResults(r.result());
      }
      if (detail[0] != null) {
        frame.setDetail(detail[0]);
      }
      enqueue(ServerFrame.newBuilder().setSendResults(frame).build());
      return Future.succeededFuture();
    });
  }

  /**
   * A reserved Send (S-EXT-RESERVE): within the credit the client holds, the owner enqueues it
   * without a room check; beyond it, the stream ends with FAILED_PRECONDITION and nothing of the
   * frame is enqueued.
   */
  private void onReservedSend(Send send, long bytes, long cost) {
    int count = send.getPayloadsCount();
    if (count > creditMessages || bytes > creditBytes) {
      protocolError(GrpcStatus.FAILED_PRECONDITION, "a reserved Send of " + count + " payloads and " + bytes
        + " bytes exceeds the producer credit this stream holds (" + creditMessages + " messages, " + creditBytes
        + " bytes" + (resetsDue > 0 ? "; a Reserve revoked the credit and its SendCredit answer was not sent yet" : "")
        + "): nothing of this frame was enqueued");
      return;
    }
    creditMessages -= count;
    creditBytes -= bytes;
    List<Buffer> payloads = new ArrayList<>(count);
    for (ByteString payload : send.getPayloadsList()) {
      payloads.add(Buffer.buffer(payload.toByteArray()));
    }
    limits.holdSends(call.connection(), cost);
    Future<ChannelSubscriber.ReservedResult> sent = subscriber.sendReserved(payloads);
    sent.onComplete(ar -> limits.sendsAnswered(call.connection(), cost));
    sendChain = sendChain.transform(v -> sent).transform(ar -> {
      if (ar.failed()) {
        fail(ar.cause());
        return Future.succeededFuture();
      }
      ChannelSubscriber.ReservedResult r = ar.result();
      SendResults.Builder frame = SendResults.newBuilder().setFirstSeq(send.getFirstSeq());
      SendResult each = r.closed() ? SendResult.SEND_RESULT_CLOSED : SendResult.SEND_RESULT_OK;
      for (int i = 0; i < count; i++) {
        frame.addResults(each);
      }
      for (int i : r.invalid()) {
        frame.setResults(i, SendResult.SEND_RESULT_INVALID);
      }
      if (r.detail() != null) {
        frame.setDetail(r.detail());
      }
      enqueue(ServerFrame.newBuilder().setSendResults(frame).build());
      return Future.succeededFuture();
    });
  }

  /** Failures that are the outcome of one send become results; others end the stream. */
  private static Future<SendResult> perSendFailure(Throwable err, String[] detail) {
    if (err instanceof ChannelException e) {
      SendResult result = switch (e.error()) {
        case INVALID_ARGUMENT -> SendResult.SEND_RESULT_INVALID;
        case TOO_LARGE -> SendResult.SEND_RESULT_TOO_LARGE;
        case TIMEOUT -> SendResult.SEND_RESULT_TIMEOUT;
        default -> null;
      };
      if (result != null) {
        if (detail[0] == null && result != SendResult.SEND_RESULT_TIMEOUT) {
          detail[0] = e.getMessage();
        }
        return Future.succeededFuture(result);
      }
    }
    return Future.failedFuture(err);
  }

  private void onClientEnd() {
    // The client half-closed: answer its pending sends, then end the call with OK.
    sendChain.onComplete(v -> {
      if (state != State.ENDED) {
        flush();
        end();
        try {
          response.end();
        } catch (IllegalStateException alreadyEnded) {
          // ended by a failure meanwhile
        }
      }
    });
  }

  // ------------------------------------------------------------------------------ owner events

  @Override
  public void deliveries(long firstSeq, List<Buffer> payloads) {
    if (state != State.ENDED) {
      enqueue(new DeliveryBatch(firstSeq, payloads));
    }
  }

  @Override
  public void closed() {
    if (state != State.ENDED) {
      enqueue(ServerFrame.newBuilder().setClosed(ChannelClosed.getDefaultInstance()).build());
    }
  }

  @Override
  public void released(long upToSeq, int returned) {
    if (state != State.ENDED) {
      enqueue(ServerFrame.newBuilder().setReleased(Released.newBuilder().setUpToSeq(upToSeq).setReturned(returned)).build());
    }
  }

  @Override
  public void sendCredit(long bytes, long messages, boolean reset) {
    if (state == State.ENDED) {
      return;
    }
    // Mirror what the client holds: grants before the answer to its latest Reserve are void.
    if (reset) {
      resetsDue--;
      if (resetsDue == 0) {
        creditBytes = bytes;
        creditMessages = messages;
      }
    } else if (resetsDue == 0) {
      creditBytes += bytes;
      creditMessages += messages;
    }
    enqueue(ServerFrame.newBuilder().setSendCredit(SendCredit.newBuilder()
      .setBytes(bytes).setMessages((int) messages).setReset(reset)).build());
  }

  @Override
  public void revoke() {
    if (state != State.ENDED) {
      // After the Deliveries already queued: the client knows what it may still have to give back.
      enqueue(ServerFrame.newBuilder().setRevoke(Revoke.getDefaultInstance()).build());
    }
  }

  @Override
  public void expired(long timeoutMs) {
    // The owner already took the messages back (S-EXT-REVOKE): the client must learn it lost them.
    protocolError(GrpcStatus.ABORTED, "the stream did not answer a Revoke within " + timeoutMs
      + " ms: it was ended and its unacknowledged messages were returned to the channel");
  }

  @Override
  public void ownerLost(OwnerLostException failure) {
    fail(failure);
  }

  // --------------------------------------------------------------------------------- writing

  private void enqueue(Object item) {
    outbox.addLast(item);
    if (!flushScheduled) {
      // Coalesce everything that arrives during this turn of the event loop into few frames.
      flushScheduled = true;
      context.runOnContext(v -> {
        flushScheduled = false;
        flush();
      });
    }
  }

  /** Writes the outbox while HTTP/2 accepts more; the drain handler resumes it. */
  private void flush() {
    while (state != State.ENDED && !outbox.isEmpty() && !response.writeQueueFull()) {
      Object head = outbox.peekFirst();
      if (head instanceof ServerFrame frame) {
        outbox.pollFirst();
        response.write(frame);
      } else {
        response.write(nextDeliveries((DeliveryBatch) head));
      }
    }
  }

  /** Takes the next Deliveries frame off the head batch, within the batching limits. */
  private ServerFrame nextDeliveries(DeliveryBatch batch) {
    List<Buffer> payloads = batch.payloads();
    Deliveries.Builder frame = Deliveries.newBuilder().setFirstSeq(batch.firstSeq() + headOffset);
    long bytes = 0;
    int count = 0;
    while (headOffset < payloads.size()) {
      Buffer p = payloads.get(headOffset);
      if (count > 0 && (count >= options.getBatchMaxMessages() || bytes + p.length() > options.getBatchMaxBytes())) {
        break;
      }
      frame.addPayloads(Protos.bytes(p));
      bytes += p.length();
      count++;
      headOffset++;
    }
    pushedSeq = batch.firstSeq() + headOffset - 1;
    if (headOffset == payloads.size()) {
      outbox.pollFirst();
      headOffset = 0;
    }
    return ServerFrame.newBuilder().setDeliveries(frame).build();
  }

  // ---------------------------------------------------------------------------------- ending

  private void fail(Throwable err) {
    if (state != State.ENDED) {
      end();
      GrpcErrors.fail(response, err);
    }
  }

  private void protocolError(GrpcStatus status, String message) {
    if (state != State.ENDED) {
      end();
      GrpcErrors.fail(response, status, message);
    }
  }

  /** Ends the session: the subscription ends and the owner takes back everything unacknowledged. */
  private void end() {
    if (state == State.ENDED) {
      return;
    }
    state = State.ENDED;
    outbox.clear();
    if (subscriber != null) {
      subscriber.close();
    }
    onEnd.accept(this);
  }
}
