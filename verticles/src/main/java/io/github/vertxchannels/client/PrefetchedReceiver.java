package io.github.vertxchannels.client;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelTimeoutException;
import io.github.vertxchannels.ReceiveResult;
import io.github.vertxchannels.grpc.v1.Ack;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.Credit;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.grpc.stub.StreamObserver;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * The per-call receives of one {@link RemoteChannel} ({@code receive}, {@code tryReceive}),
 * served from a bounded prefetch over one revocable Stream call (S-EXT-REVOKE) when they come
 * back to back; otherwise each is one unary call, exactly as before.
 *
 * <p>The prefetch asks the server to push up to {@link #WINDOW_MESSAGES} messages ahead; each
 * receive hands over the oldest without a round trip, and credit returns (with a cumulative
 * acknowledgement) every half window. The stream is <em>revocable</em>: while it holds pushed
 * messages it did not hand over, the server serves no other receiver of the channel; one that
 * asks makes the server send {@code Revoke}, and this class then stops handing messages over at
 * once, acknowledges what it handed and ends the stream, which gives the rest back to the head
 * of the channel in order. So every receiver, prefetching or not, sees channel order
 * (S-RECV-4); a prefetch never keeps a message from a receiver that asks for it. After a revoke
 * the receives stay exact for {@link #CONTENDED_MS}: a channel with competing receivers is better
 * served one call at a time than by prefetches revoking each other.
 *
 * <p>A receive that must answer now ({@code tryReceive}) and finds the prefetch empty asks the
 * server exactly (after acknowledging what was handed, so that its own prefetch holds nothing the
 * server would have to revoke for it). An idle prefetch ends after {@link #IDLE_END_MS}.
 *
 * <p>Thread-safe: one lock guards the state; gRPC callbacks take it too.
 */
final class PrefetchedReceiver {

  /**
   * Messages the server may push ahead of the receives. Not a fairness bound (a revoke gives
   * them back as soon as another receiver asks), so it is sized for throughput; the byte window
   * bounds the memory.
   */
  static final int WINDOW_MESSAGES = 1024;
  /** Bytes the server may push ahead, beyond which a message waits (at least the largest one). */
  static final long WINDOW_BYTES = 1 << 20;
  /**
   * Receives in a row, each started within {@link #BURST_GAP_NANOS} of the previous one's return,
   * that open a prefetch: only a tight loop qualifies, so a program that receives now and then
   * never holds messages ahead.
   */
  static final int BURST_RECEIVES = 8;
  static final long BURST_GAP_NANOS = 50_000;
  /** How long receives stay exact after a revoke (another receiver wanted messages). */
  static final long CONTENDED_MS = 1000;
  /** An idle prefetch (no receive for this long) ends: what it holds goes back to the channel. */
  static final long IDLE_END_MS = 100;
  /** How long a tryReceive that opened a prefetch waits for the first pushes of a non-empty channel. */
  static final long PRIME_WAIT_MS = 200;

  private final ChannelGrpcClient client;
  private final String channelId;
  private final ChannelKind kind;
  private final ScheduledExecutorService timers;
  private final Supplier<ReceiveResult> exactTryReceive;
  private final LongFunction<ReceiveResult> exactReceive;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private Session session;
  private long lastReturn = Long.MIN_VALUE / 2;
  private int streak;
  private long contendedUntil = Long.MIN_VALUE / 2;

  PrefetchedReceiver(ChannelGrpcClient client, String channelId, ChannelKind kind, ScheduledExecutorService timers,
                     Supplier<ReceiveResult> exactTryReceive, LongFunction<ReceiveResult> exactReceive) {
    this.client = client;
    this.channelId = channelId;
    this.kind = kind;
    this.timers = timers;
    this.exactTryReceive = exactTryReceive;
    this.exactReceive = exactReceive;
  }

  /** One prefetch stream. */
  private final class Session {
    StreamObserver<ClientFrame> out;
    final ArrayDeque<ByteString> buffer = new ArrayDeque<>();
    /** Sequence numbers count the messages pushed on this stream, from 1. */
    long handedSeq;
    long ackedSeq;
    long unreturnedBytes;
    boolean opened;
    long openedMessages;
    /** The server said the channel is closed and empty. */
    boolean channelClosed;
    boolean over;
    long lastUse = System.nanoTime();
    int waiting;
  }

  // ------------------------------------------------------------------------------------ API

  /** A blocking receive ({@code timeoutMs} negative = forever). */
  ReceiveResult receive(long timeoutMs) {
    lock.lock();
    try {
      Session s = current();
      if (s != null && timeoutMs != 0) {
        ReceiveResult r = take(s, timeoutMs);
        if (r != null) {
          returned();
          return r;
        }
      } else if (s != null) {
        ReceiveResult r = takeNowOrSettle(s);
        if (r != null) {
          return r;
        }
      }
    } finally {
      lock.unlock();
    }
    return exactly(() -> exactReceive.apply(timeoutMs));
  }

  /** A non-blocking receive. */
  ReceiveResult tryReceive() {
    lock.lock();
    try {
      Session s = current();
      if (s != null) {
        if (!s.opened || (s.buffer.isEmpty() && s.handedSeq == 0 && s.openedMessages > 0)) {
          // Just opened: what the channel held is one round trip away, not absent.
          awaitFirstPushes(s);
        }
        ReceiveResult r = takeNowOrSettle(s);
        if (r != null) {
          return r;
        }
      }
    } finally {
      lock.unlock();
    }
    return exactly(exactTryReceive);
  }

  /**
   * Under the lock: a prefetched message now (counted as a receive of the burst), or null after
   * acknowledging what was handed, so that the exact call that follows sees the channel as is.
   */
  private ReceiveResult takeNowOrSettle(Session s) {
    ReceiveResult r = takeNow(s);
    if (r != null) {
      returned();
      return r;
    }
    settleAcks(s);
    return null;
  }

  /** One unary call (outside the lock: it may wait), counted for burst detection. */
  private ReceiveResult exactly(Supplier<ReceiveResult> call) {
    try {
      return call.get();
    } finally {
      lock.lock();
      try {
        returned();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Ends the prefetch (the channel object iterates, closes, or its client closes). */
  void end() {
    lock.lock();
    try {
      if (session != null) {
        finish(session);
      }
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------------------ internals

  /** The prefetch to serve from: the current one, or a new one when receives come in a burst. */
  private Session current() {
    long now = System.nanoTime();
    if (session != null && !session.over) {
      session.lastUse = now;
      return session;
    }
    session = null;
    if (now - contendedUntil < 0) {
      return null;
    }
    streak = now - lastReturn < BURST_GAP_NANOS ? streak + 1 : 0;
    if (streak < BURST_RECEIVES) {
      return null;
    }
    return open();
  }

  private void returned() {
    lastReturn = System.nanoTime();
  }

  private Session open() {
    Session s = new Session();
    session = s;
    s.out = client.async.stream(new StreamObserver<>() {
      @Override
      public void onNext(ServerFrame frame) {
        onFrame(s, frame);
      }

      @Override
      public void onError(Throwable t) {
        // Pushed, unacknowledged messages go back to the head on the server (S-EXT-REDELIVER);
        // the receives go on exactly.
        over(s);
      }

      @Override
      public void onCompleted() {
        over(s);
      }
    });
    write(s, ClientFrame.newBuilder().setOpen(OpenStream.newBuilder()
      .setChannelId(channelId)
      .setExpectedKind(RemoteChannel.kind(kind))
      .setInitialCreditMessages(WINDOW_MESSAGES)
      .setInitialCreditBytes(WINDOW_BYTES)
      .setRevocable(true)).build());
    scheduleIdleCheck(s);
    return s;
  }

  private void onFrame(Session s, ServerFrame frame) {
    lock.lock();
    try {
      if (s.over) {
        return;
      }
      switch (frame.getFrameCase()) {
        case OPENED -> {
          s.opened = true;
          s.openedMessages = frame.getOpened().getInfo().getMessages();
        }
        case DELIVERIES -> s.buffer.addAll(frame.getDeliveries().getPayloadsList());
        case CLOSED -> s.channelClosed = true;
        case REVOKE -> {
          // Another receiver wants a message: hand nothing more over, give the rest back.
          contendedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONTENDED_MS);
          finish(s);
        }
        default -> {
          // released, producer frames: nothing for a consumer
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits for a message up to the timeout; null when the prefetch ended meanwhile (go exact). */
  private ReceiveResult take(Session s, long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
    s.waiting++;
    try {
      while (true) {
        ReceiveResult r = takeNow(s);
        if (r != null || s.over) {
          return r;
        }
        // About to wait: acknowledge what was handed over (it takes room in the channel until
        // then, and a producer may be waiting for that room).
        returnCredit(s);
        if (timeoutMs < 0) {
          changed.awaitUninterruptibly();
        } else {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new ChannelTimeoutException("no message within " + timeoutMs + " ms");
          }
          try {
            changed.awaitNanos(left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while receiving", e);
          }
        }
      }
    } finally {
      s.waiting--;
    }
  }

  /** A message (or closed) from the prefetch now, or null. */
  private ReceiveResult takeNow(Session s) {
    if (s.over) {
      return null;
    }
    ByteString payload = s.buffer.poll();
    if (payload != null) {
      s.handedSeq++;
      s.unreturnedBytes += payload.size();
      // Acknowledge and refill in half-window steps: few frames, and the server never starves.
      if (s.handedSeq - s.ackedSeq >= WINDOW_MESSAGES / 2) {
        returnCredit(s);
      }
      return ReceiveResult.message(Buffer.buffer(payload.toByteArray()));
    }
    return s.channelClosed ? ReceiveResult.closed() : null;
  }

  private void awaitFirstPushes(Session s) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PRIME_WAIT_MS);
    while (!s.over && s.buffer.isEmpty() && !s.channelClosed && (!s.opened || s.openedMessages > 0)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        changed.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Before an exact call: acknowledge what was handed, so that the server sees this prefetch
   * holding nothing (it would otherwise revoke it for this very call).
   */
  private void settleAcks(Session s) {
    if (!s.over && s.handedSeq > s.ackedSeq) {
      returnCredit(s);
    }
  }

  private void returnCredit(Session s) {
    if (s.handedSeq == s.ackedSeq) {
      return;
    }
    write(s, ClientFrame.newBuilder().setAck(Ack.newBuilder().setUpToSeq(s.handedSeq)).build());
    write(s, ClientFrame.newBuilder().setCredit(Credit.newBuilder()
      .setMessages((int) (s.handedSeq - s.ackedSeq)).setBytes(s.unreturnedBytes)).build());
    s.ackedSeq = s.handedSeq;
    s.unreturnedBytes = 0;
  }

  /** Ends a prefetch: acknowledges what was handed; the server puts the rest back at the head. */
  private void finish(Session s) {
    if (s.over) {
      return;
    }
    if (s.handedSeq > s.ackedSeq) {
      write(s, ClientFrame.newBuilder().setAck(Ack.newBuilder().setUpToSeq(s.handedSeq)).build());
      s.ackedSeq = s.handedSeq;
    }
    over(s);
    try {
      s.out.onCompleted();
    } catch (IllegalStateException alreadyClosed) {
      // the call already ended
    }
  }

  private void over(Session s) {
    lock.lock();
    try {
      s.over = true;
      s.buffer.clear(); // the server has them back (or will, when it sees the end)
      if (session == s) {
        session = null;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void scheduleIdleCheck(Session s) {
    timers.schedule(() -> {
      lock.lock();
      try {
        if (s.over) {
          return;
        }
        long idle = System.nanoTime() - s.lastUse;
        if (s.waiting == 0 && idle >= TimeUnit.MILLISECONDS.toNanos(IDLE_END_MS)) {
          finish(s);
        } else {
          scheduleIdleCheck(s);
        }
      } finally {
        lock.unlock();
      }
    }, IDLE_END_MS, TimeUnit.MILLISECONDS);
  }

  private void write(Session s, ClientFrame frame) {
    try {
      s.out.onNext(frame);
    } catch (IllegalStateException alreadyClosed) {
      // the call already ended: onError / onCompleted tell
    }
  }
}
