package io.github.vertxchannels.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelTimeoutException;
import io.github.vertxchannels.InvalidArgumentException;
import io.github.vertxchannels.LimitExceededException;
import io.github.vertxchannels.MessageTooLargeException;
import io.github.vertxchannels.SendAllResult;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.EtfException;
import io.github.vertxchannels.grpc.ChannelServerOptions;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.Reserve;
import io.github.vertxchannels.grpc.v1.Send;
import io.github.vertxchannels.grpc.v1.SendCredit;
import io.github.vertxchannels.grpc.v1.SendResults;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The per-call sends of one {@link RemoteChannel}, pipelined over one Stream call with producer
 * credit (S-EXT-RESERVE).
 *
 * <p>While the stream holds credit, a send is {@code OK} at once: the server has reserved room
 * for it, so it can never be {@code BUSY}. Such sends are coalesced into reserved Send frames
 * (at most {@link #PIPELINE_DEPTH} frames unconfirmed; what comes meanwhile waits for the next
 * frame), so many small messages cost one frame. A send that finds the credit used up while
 * reserved frames are unconfirmed waits for them (their confirmations top the credit up). Without
 * credit (the channel is full, or the payload is larger than the credit can be) a send travels as
 * an ordinary Send frame and waits
 * for its answer, which is the contract's answer ({@code BUSY}, waiting, timeout, too large).
 * Frames leave in call order, so a channel sees one producer's messages in order.
 *
 * <p>The server counts a stream's own reservation against its ordinary sends like anybody's
 * (S-EXT-RESERVE: a channel never holds more than max_size). So on a bounded channel the credit
 * is given back (Reserve 0, answered by a reset) before an ordinary send: else a blocking send
 * could wait forever for room its own stream holds. It is asked for again by the first send
 * after the ordinary ones are answered.
 *
 * <p>A reserved send that the server then could not enqueue (the channel closed meanwhile, the
 * stream broke) is raised at the next send, flush or close as an
 * {@link UnconfirmedSendsException} with the messages. An idle producer gives its reservation
 * back after {@link #IDLE_RELEASE_MS}, so that it does not make others see {@code BUSY}.
 *
 * <p>Thread-safe: one lock guards the state; gRPC callbacks take it too.
 */
final class PipelinedProducer {

  /** The producer credit asked for, in bytes (the server caps it, and to max_size). */
  static final long TARGET_BYTES = ChannelServerOptions.DEFAULT_MAX_RESERVE_BYTES_PER_STREAM;
  /** The producer credit asked for, in messages. */
  static final int TARGET_MESSAGES = ChannelServerOptions.MAX_RESERVE_MESSAGES_PER_STREAM;
  /** Reserved Send frames unconfirmed at once; sends beyond wait to be coalesced into the next. */
  static final int PIPELINE_DEPTH = 2;
  /** Limits of one coalesced frame. */
  static final int FRAME_MAX_MESSAGES = 1024;
  static final long FRAME_MAX_BYTES = 1024 * 1024;
  /** How long a producer may stay idle before it gives its reservation back. */
  static final long IDLE_RELEASE_MS = 100;
  /** How long opening or re-reserving may take before the send fails. */
  private static final long ANSWER_TIMEOUT_MS = 30_000;

  private final ChannelGrpcClient client;
  private final String channelId;
  private final ChannelKind kind;
  private final ScheduledExecutorService timers;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  private StreamObserver<ClientFrame> out;
  private boolean opened;
  private long maxSize;
  /** The stream failed: why (a mapped exception); cleared once raised. */
  private RuntimeException failure;
  private long creditBytes;
  private long creditMessages;
  private int resetsDue;
  /** Whether the stream holds (or asked for) a reservation; false once given back when idle. */
  private boolean reserving;
  /**
   * Ordinary sends between giving the credit back and their answer: meanwhile no other send
   * reserves again on a bounded channel (that credit would count against the waiting send).
   */
  private int ordinarySends;
  private final List<byte[]> buffer = new ArrayList<>();
  private long bufferBytes;
  private final ArrayDeque<Frame> unconfirmed = new ArrayDeque<>();
  private int reservedUnconfirmed;
  private long nextSeq = 1;
  /** OK'd messages that could not be enqueued, raised at the next call. */
  private final List<byte[]> lost = new ArrayList<>();
  private boolean lostToClose;
  private RuntimeException lostCause;
  private boolean knownClosed;
  private long lastUse;
  /** Which stream is current: callbacks of a stream given up are ignored. */
  private int generation;
  /**
   * The last stream that broke, and why: kept after {@link #failure} is cleared (by the first
   * caller that raises it), so that every caller waiting on that stream still fails promptly.
   */
  private int brokenGeneration;
  private RuntimeException brokenCause;
  private boolean idleCheckScheduled;

  PipelinedProducer(ChannelGrpcClient client, String channelId, ChannelKind kind, ScheduledExecutorService timers) {
    this.client = client;
    this.channelId = channelId;
    this.kind = kind;
    this.timers = timers;
  }

  /** A Send frame waiting for its SendResults. */
  private static final class Frame {
    final List<byte[]> payloads;
    final boolean reserved;
    /** A blocking send waiting for room: its answer may take as long as its timeout. */
    final boolean waits;
    SendResults answer;

    Frame(List<byte[]> payloads, boolean reserved, boolean waits) {
      this.payloads = payloads;
      this.reserved = reserved;
      this.waits = waits;
    }
  }

  // ------------------------------------------------------------------------------------ API

  /**
   * One send: non-blocking when {@code timeoutMs} is null (OK, BUSY, CLOSED), else waiting for
   * room (OK, CLOSED; {@link ChannelTimeoutException}, {@link MessageTooLargeException}).
   */
  SendResult send(byte[] payload, Long timeoutMs) {
    validate(payload, 0);
    lock.lock();
    try {
      raiseLost();
      if (knownClosed) {
        return SendResult.CLOSED;
      }
      ensureOpen();
      if (timeoutMs != null && maxSize > 0 && payload.length > maxSize) {
        throw new MessageTooLargeException("payload of " + payload.length + " bytes exceeds max_size of "
          + maxSize + " bytes: it can never fit");
      }
      lastUse = System.nanoTime();
      scheduleIdleCheck();
      if (takeCredit(payload)) {
        return SendResult.OK;
      }
      return unreservedSend(payload, timeoutMs);
    } finally {
      lock.unlock();
    }
  }

  /** Blocking sends of a batch: the ones sent are a prefix (see {@link SendAllResult}). */
  SendAllResult sendAll(List<byte[]> payloads, long timeoutMs) {
    for (int i = 0; i < payloads.size(); i++) {
      validate(payloads.get(i), i);
    }
    lock.lock();
    try {
      raiseLost();
      if (!knownClosed) {
        ensureOpen();
        for (int i = 0; i < payloads.size(); i++) {
          if (maxSize > 0 && payloads.get(i).length > maxSize) {
            throw new MessageTooLargeException("payload " + i + " of " + payloads.get(i).length
              + " bytes exceeds max_size of " + maxSize + " bytes: it can never fit; nothing was sent");
          }
        }
      }
    } finally {
      lock.unlock();
    }
    for (int i = 0; i < payloads.size(); i++) {
      try {
        if (send(payloads.get(i), timeoutMs) == SendResult.CLOSED) {
          return new SendAllResult(i, payloads.size(), true, false);
        }
      } catch (ChannelTimeoutException e) {
        return new SendAllResult(i, payloads.size(), false, true);
      }
    }
    return new SendAllResult(payloads.size(), payloads.size(), false, false);
  }

  /**
   * Sends what is coalesced and waits until every send so far is confirmed; raises lost ones.
   * A blocking send of another thread that waits for room is not waited for (that could take
   * its whole timeout, or forever): then only the sends before it are.
   */
  void flush() {
    lock.lock();
    try {
      raiseLost();
      if (out == null) {
        return;
      }
      sendBuffer();
      awaitConfirmed();
      raiseLost();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Flushes, then ends the stream: the server returns the reservation to the channel.
   *
   * @param closeChannel closes the channel once the sends before it are confirmed; a blocking
   *                     send of another thread still waiting for room does not hold the close
   *                     back (the close is what ends its wait, with CLOSED); {@code null} when
   *                     only the connection closes (then such a send is not waited for at all)
   */
  void close(Runnable closeChannel) {
    RuntimeException raised = null;
    lock.lock();
    try {
      try {
        raiseLost();
        if (out != null) {
          sendBuffer();
          awaitConfirmed();
        }
      } catch (RuntimeException e) {
        raised = e;
      }
    } finally {
      lock.unlock();
    }
    try {
      if (closeChannel != null) {
        closeChannel.run();
        lock.lock();
        try {
          // What waited behind a blocked send is answered now that the close woke it.
          while (!unconfirmed.isEmpty() && failure == null) {
            awaitChange();
          }
          raiseLost();
        } finally {
          lock.unlock();
        }
      }
    } catch (RuntimeException e) {
      raised = raised == null ? e : raised;
    } finally {
      lock.lock();
      try {
        if (out != null && failure == null) {
          out.onCompleted();
        }
        out = null;
        client.streamEnded(this);
      } finally {
        lock.unlock();
      }
    }
    if (raised != null) {
      throw raised;
    }
  }

  /** Waits until every frame is confirmed, or up to the first blocking send waiting for room. */
  private void awaitConfirmed() {
    while (failure == null && !unconfirmed.isEmpty() && !unconfirmed.peekFirst().waits) {
      awaitChange();
    }
  }

  // ------------------------------------------------------------------------------- internals

  private void validate(byte[] payload, int index) {
    if (kind == ChannelKind.TERM) {
      // Checked here: a pipelined send is OK before the server sees it (S-FIX-DECODE).
      try {
        Etf.validate(payload);
      } catch (EtfException | InvalidArgumentException e) {
        throw new InvalidArgumentException((index > 0 ? "payload " + index + ": " : "") + "not a valid ETF term: "
          + e.getMessage());
      }
    }
  }

  /** Uses credit for a payload and queues it for the next reserved frame; false without credit. */
  private boolean takeCredit(byte[] payload) {
    if (!reserving && payload.length <= TARGET_BYTES && (maxSize == 0 || ordinarySends == 0)) {
      // Gave the reservation back when idle: ask again (one round trip, then pipelined again).
      reserve(TARGET_BYTES, TARGET_MESSAGES);
      awaitResets();
    }
    // The credit is used up while reserved frames are unconfirmed: the server tops the
    // reservation up as it enqueues them, so wait for their confirmations instead of going
    // exact (an ordinary send is a round trip each: a 64 KiB loop fell to ~130 MB/s whenever it
    // outran the top-ups). Once all are confirmed and there is still no credit (a full bounded
    // channel), the send goes exact and gets the contract's answer (BUSY, waiting, ...).
    int stream = generation;
    while (resetsDue == 0 && reserving && payload.length <= TARGET_BYTES
        && (creditMessages < 1 || creditBytes < payload.length)
        && (reservedUnconfirmed > 0 || !buffer.isEmpty())
        && failure == null && brokenGeneration < stream) {
      sendBuffer(); // what is coalesced must leave to be confirmed
      awaitChange();
    }
    if (resetsDue > 0 || creditMessages < 1 || creditBytes < payload.length) {
      return false;
    }
    creditMessages--;
    creditBytes -= payload.length;
    buffer.add(payload);
    bufferBytes += payload.length;
    if (reservedUnconfirmed < PIPELINE_DEPTH || buffer.size() >= FRAME_MAX_MESSAGES || bufferBytes >= FRAME_MAX_BYTES) {
      sendBuffer();
    }
    return true;
  }

  /** The contract's answer for one send, through an ordinary Send frame (after the coalesced ones). */
  private SendResult unreservedSend(byte[] payload, Long timeoutMs) {
    ordinarySends++;
    try {
      return ordinarySend(payload, timeoutMs);
    } finally {
      ordinarySends--;
    }
  }

  private SendResult ordinarySend(byte[] payload, Long timeoutMs) {
    sendBuffer();
    if (maxSize > 0 && reserving && (timeoutMs != null || creditBytes > 0)) {
      // The credit left would count against this send (S-EXT-RESERVE): give it back first, after
      // the reserved frames that used some of it. Waiting for the reset keeps the credit this
      // side mirrors exact; a stream that breaks meanwhile fails this send at once. A blocking
      // send gives back even a reservation holding nothing: it waits for room at the server
      // behind this stream's next top-up, which would take the room first. (A non-blocking send
      // is answered at once: a reservation holding nothing takes no room from it.)
      reserve(0, 0);
      awaitResets();
    }
    int stream = generation;
    Send.Builder send = Send.newBuilder().setFirstSeq(nextSeq++).addPayloads(UnsafeByteOperations.unsafeWrap(payload));
    if (timeoutMs != null) {
      send.setWait(true).setTimeoutMs(timeoutMs);
    }
    Frame frame = new Frame(List.of(payload), false, timeoutMs != null);
    unconfirmed.addLast(frame);
    out.onNext(ClientFrame.newBuilder().setSend(send).build());
    while (frame.answer == null && brokenGeneration < stream) {
      awaitChange();
    }
    if (frame.answer == null) {
      // The stream broke: this payload is among the unconfirmed ones, raised here or (when
      // another caller raised them first) to that caller; then this send fails with the cause.
      throw streamBroke(stream);
    }
    SendResults r = frame.answer;
    switch (r.getResults(0)) {
      case SEND_RESULT_OK:
        return SendResult.OK;
      case SEND_RESULT_BUSY:
        return SendResult.BUSY;
      case SEND_RESULT_CLOSED:
        knownClosed = true;
        return SendResult.CLOSED;
      case SEND_RESULT_TIMEOUT:
        throw new ChannelTimeoutException("no room for " + payload.length + " bytes within " + timeoutMs + " ms");
      case SEND_RESULT_TOO_LARGE:
        throw new MessageTooLargeException(r.getDetail());
      case SEND_RESULT_INVALID:
        throw new InvalidArgumentException(r.getDetail());
      case SEND_RESULT_LIMIT:
        throw new LimitExceededException(r.getDetail());
      default:
        throw new IllegalStateException("unexpected send result " + r.getResults(0));
    }
  }

  /** Sends the coalesced payloads as one reserved frame (or several, within the frame limits). */
  private void sendBuffer() {
    int from = 0;
    while (from < buffer.size()) {
      int to = Math.min(buffer.size(), from + FRAME_MAX_MESSAGES);
      List<byte[]> payloads = new ArrayList<>(buffer.subList(from, to));
      Send.Builder send = Send.newBuilder().setFirstSeq(nextSeq).setReserved(true);
      for (byte[] p : payloads) {
        send.addPayloads(UnsafeByteOperations.unsafeWrap(p));
      }
      nextSeq += payloads.size();
      unconfirmed.addLast(new Frame(payloads, true, false));
      reservedUnconfirmed++;
      out.onNext(ClientFrame.newBuilder().setSend(send).build());
      from = to;
    }
    buffer.clear();
    bufferBytes = 0;
  }

  private void reserve(long bytes, int messages) {
    creditBytes = 0;
    creditMessages = 0;
    resetsDue++;
    reserving = bytes > 0 || messages > 0;
    out.onNext(ClientFrame.newBuilder().setReserve(Reserve.newBuilder().setBytes(bytes).setMessages(messages)).build());
  }

  /**
   * Waits for the answers to the Reserve frames sent. Ends as soon as the stream breaks, even when
   * another caller already raised that failure (then it fails with the same cause).
   */
  private void awaitResets() {
    int stream = generation;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_TIMEOUT_MS);
    while (resetsDue > 0 && brokenGeneration < stream) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new ChannelTimeoutException("the server did not answer a Reserve within " + ANSWER_TIMEOUT_MS + " ms");
      }
      awaitChange(left);
    }
    if (brokenGeneration >= stream) {
      throw streamBroke(stream);
    }
  }

  /**
   * A stream this caller waited on broke: raises what it left unconfirmed if nobody did yet, and
   * forgets the stream (the next send opens another).
   *
   * @return the cause, to throw, when there was nothing left to raise
   */
  private RuntimeException streamBroke(int stream) {
    if (stream == generation && failure != null) {
      raiseLost();
      out = null;
      failure = null;
    }
    return brokenCause;
  }

  private void ensureOpen() {
    if (out != null && failure == null) {
      return;
    }
    failure = null;
    opened = false;
    creditBytes = 0;
    creditMessages = 0;
    resetsDue = 1;
    reserving = true;
    unconfirmed.clear();
    reservedUnconfirmed = 0;
    generation++;
    out = client.async.stream(new Observer(generation));
    client.streamOpened(this);
    out.onNext(ClientFrame.newBuilder().setOpen(OpenStream.newBuilder().setChannelId(channelId)
      .setExpectedKind(RemoteChannel.kind(kind)).setReserveBytes(TARGET_BYTES).setReserveMessages(TARGET_MESSAGES)).build());
    awaitResets();
  }

  /** Raises the OK'd messages that were not enqueued, once. */
  private void raiseLost() {
    if (lost.isEmpty()) {
      if (failure != null && unconfirmed.isEmpty()) {
        out = null; // an idle stream broke: the next send opens another one
        failure = null;
      }
      return;
    }
    List<byte[]> messages = new ArrayList<>(lost);
    boolean closed = lostToClose;
    RuntimeException cause = lostCause;
    lost.clear();
    lostToClose = false;
    lostCause = null;
    if (failure != null) {
      out = null;
      failure = null;
    }
    throw new UnconfirmedSendsException(closed
      ? messages.size() + " sends reported OK were not enqueued: channel " + channelId + " was closed before they arrived"
      : messages.size() + " sends reported OK were not confirmed: the producer stream of channel " + channelId
        + " failed (" + (cause == null ? "refused by the server" : cause.getMessage())
        + "); they may or may not be in the channel", messages, closed, cause);
  }

  private void awaitChange() {
    try {
      changed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the server", e);
    }
  }

  private void awaitChange(long nanos) {
    try {
      changed.awaitNanos(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the server", e);
    }
  }

  private void scheduleIdleCheck() {
    if (!idleCheckScheduled) {
      idleCheckScheduled = true;
      timers.schedule(this::idleCheck, IDLE_RELEASE_MS, TimeUnit.MILLISECONDS);
    }
  }

  /** Gives the reservation back once nothing was sent for {@link #IDLE_RELEASE_MS}. */
  private void idleCheck() {
    lock.lock();
    try {
      idleCheckScheduled = false;
      if (out == null || failure != null || !reserving) {
        return;
      }
      long idleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastUse);
      if (idleMs >= IDLE_RELEASE_MS && buffer.isEmpty() && unconfirmed.isEmpty()) {
        reserve(0, 0);
      } else {
        idleCheckScheduled = true;
        timers.schedule(this::idleCheck, Math.max(1, IDLE_RELEASE_MS - idleMs), TimeUnit.MILLISECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------------------- server frames

  private final class Observer implements StreamObserver<ServerFrame> {
    private final int stream;

    Observer(int stream) {
      this.stream = stream;
    }

    @Override
    public void onNext(ServerFrame frame) {
      lock.lock();
      try {
        if (stream != generation || out == null || failure != null) {
          return; // a stream given up already
        }
        switch (frame.getFrameCase()) {
          case OPENED:
            opened = true;
            maxSize = frame.getOpened().getInfo().getMaxSize();
            break;
          case SEND_CREDIT:
            onCredit(frame.getSendCredit());
            break;
          case SEND_RESULTS:
            onResults(frame.getSendResults());
            break;
          case CLOSED:
            knownClosed = true; // closed and drained: later sends answer CLOSED at once
            break;
          default:
            break; // a pure producer: no deliveries (no consumer credit)
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onError(Throwable t) {
      failed(ChannelGrpcClient.fromStatus(Status.fromThrowable(t), Status.trailersFromThrowable(t)));
    }

    @Override
    public void onCompleted() {
      failed(new IllegalStateException("the server ended the producer stream"));
    }

    private void failed(RuntimeException cause) {
      lock.lock();
      try {
        if (stream != generation || out == null || failure != null) {
          return;
        }
        failure = cause;
        brokenGeneration = stream;
        brokenCause = cause;
        for (Frame f : unconfirmed) {
          if (f.reserved) {
            lost.addAll(f.payloads);
          }
        }
        lost.addAll(buffer);
        buffer.clear();
        bufferBytes = 0;
        if (!lost.isEmpty()) {
          lostCause = cause;
        }
        // Unreserved sends waiting for their answer are unconfirmed too: they raise with the rest.
        for (Frame f : unconfirmed) {
          if (!f.reserved) {
            lost.addAll(f.payloads);
            lostCause = cause;
          }
        }
        unconfirmed.clear();
        reservedUnconfirmed = 0;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  private void onCredit(SendCredit c) {
    if (c.getReset()) {
      resetsDue--;
      if (resetsDue == 0) {
        creditBytes = c.getBytes();
        creditMessages = Integer.toUnsignedLong(c.getMessages());
      }
    } else if (resetsDue == 0) {
      creditBytes += c.getBytes();
      creditMessages += Integer.toUnsignedLong(c.getMessages());
    }
  }

  private void onResults(SendResults r) {
    Frame f = unconfirmed.pollFirst();
    if (f == null) {
      return;
    }
    if (f.reserved) {
      reservedUnconfirmed--;
      for (int i = 0; i < r.getResultsCount() && i < f.payloads.size(); i++) {
        if (r.getResults(i) != io.github.vertxchannels.grpc.v1.SendResult.SEND_RESULT_OK) {
          // Reported OK to the application, then not enqueued: raised at the next call.
          if (r.getResults(i) == io.github.vertxchannels.grpc.v1.SendResult.SEND_RESULT_CLOSED) {
            knownClosed = true;
            lostToClose = true;
          }
          lost.add(f.payloads.get(i));
        }
      }
      if (!buffer.isEmpty()) {
        sendBuffer(); // what was coalesced meanwhile leaves now
      }
    } else {
      f.answer = r;
    }
  }
}
