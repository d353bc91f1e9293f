package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelError;
import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelProtocolException;
import io.github.vertxchannels.OwnerLostException;
import io.github.vertxchannels.ReceiveResult;
import io.github.vertxchannels.SendAllResult;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.impl.metrics.ChannelCounters;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One channel: the FIFO, the byte counter, the closed flag, and everybody waiting on it.
 *
 * <p>Single-threaded by design: every method runs on the owning verticle's event loop, so there is
 * no lock anywhere; concurrency between parties is ordered by the event loop. Nothing here blocks:
 * waiting receivers and senders are queued continuations completed by {@link #dispatch()}, which
 * runs after every state change (event-driven, never polled).
 */
final class ChannelQueue {

  private final String id;
  private final ChannelKind kind;
  private final long maxSize;
  private final Scheduler scheduler;
  /** The owner's memory for all its channels (max_total_bytes), shared with its other channels. */
  private final MemoryBudget budget;
  /** What this channel holds as the budget last saw it (see {@link #settle()}). */
  private long charged;

  private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
  private long size;
  private boolean closed;
  /** Whether an operation looked this channel up since the retention timer last checked. */
  private boolean usedSinceCheck;
  private boolean retentionStarted;

  /** Receivers able to take a message, in the order they started waiting (S-FIX-WAITERS). */
  private final ArrayDeque<Receiver> receivers = new ArrayDeque<>();
  /**
   * Blocked senders and reservations wanting more room, in arrival order (S-EXT-SENDWAIT): a
   * reservation top-up waits its turn like a blocking send, so neither starves the other.
   */
  private final ArrayDeque<Object> senders = new ArrayDeque<>();
  /** How many of {@link #senders} are blocked sends (the rest are reservations). */
  private int blockedSends;
  /** Bytes pushed to subscriptions and not acknowledged: held for redelivery, so they take room. */
  private long inFlightBytes;
  /** Producer reservations by subscription id (S-EXT-RESERVE). */
  private final Map<String, Reservation> reservations = new LinkedHashMap<>();
  /** Sum of the reservations' held bytes. */
  private long reservedBytes;
  /** Push subscriptions by id, with or without credit. */
  private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
  /** How many of {@link #subscriptions} are revocable prefetches (S-EXT-REVOKE). */
  private int revocables;
  /** Revocable subscriptions revoked and not yet answered: nobody is served meanwhile. */
  private int revoking;
  /**
   * Receives that must answer without waiting for a message (try-receive, receive with timeout 0)
   * but came while a prefetch held messages: answered, in arrival order, once it gave them back.
   */
  private final ArrayDeque<NowReceive> nowReceives = new ArrayDeque<>();

  /**
   * How long a revocable subscription may take to answer a revoke before the owner ends it and
   * takes its messages back (S-EXT-REVOKE): one round trip normally, this bounds a stalled client.
   */
  static final long REVOKE_TIMEOUT_MS = 1000;

  ChannelQueue(String id, ChannelKind kind, long maxSize, Scheduler scheduler, MemoryBudget budget) {
    this.id = id;
    this.kind = kind;
    this.maxSize = maxSize;
    this.scheduler = scheduler;
    this.budget = budget;
  }

  String id() {
    return id;
  }

  ChannelKind kind() {
    return kind;
  }

  /**
   * Marks the channel as used (see {@link ChannelRegistry#retireWhenDrained}). A flag, not a
   * clock reading: this runs on every operation, and the retention timer only needs to know
   * whether the channel was used during its last period.
   */
  void touch() {
    usedSinceCheck = true;
  }

  /** @return true the first time only: the retention timer of a closed channel starts once */
  boolean startRetention() {
    if (retentionStarted) {
      return false;
    }
    retentionStarted = true;
    return true;
  }

  /** @return whether the channel was used since the last call (and clears the mark) */
  boolean takeUsedMark() {
    boolean used = usedSinceCheck;
    usedSinceCheck = false;
    return used;
  }

  boolean isClosedAndEmpty() {
    return closed && queue.isEmpty();
  }

  boolean isIdle() {
    return receivers.isEmpty() && senders.isEmpty() && subscriptions.isEmpty() && nowReceives.isEmpty();
  }



  ChannelInfo info() {
    return new ChannelInfo(id, kind, size, maxSize, closed, queue.size(), receivers.size(), blockedSends,
      reservedBytes, inFlightBytes);
  }

  // ----------------------------------------------------------------------------------- send

  /** Non-blocking send (S-SEND-1..5). The payload has already been validated for its kind. */
  SendResult send(Buffer payload) {
    if (closed) {
      return SendResult.CLOSED;
    }
    if (!fits(payload.length())) {
      return SendResult.BUSY;
    }
    enqueue(payload);
    dispatch();
    return SendResult.OK;
  }

  /**
   * Blocking send (S-EXT-SENDWAIT): waits, in arrival order, until there is room. Completes with
   * {@code OK} or {@code CLOSED}; fails with TIMEOUT, or TOO_LARGE at once when it can never fit.
   */
  Future<SendResult> sendWait(Buffer payload, long timeoutMs) {
    int n = payload.length();
    return sendAllWait(List.of(payload), timeoutMs).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(ar.cause());
      }
      SendAllResult r = ar.result();
      if (r.allSent()) {
        return Future.succeededFuture(SendResult.OK);
      }
      if (r.closed()) {
        return Future.succeededFuture(SendResult.CLOSED);
      }
      return Future.failedFuture(ChannelError.TIMEOUT.toException(timeoutMs == 0
        ? "no room for " + n + " bytes (timeout 0 ms)"
        : "no room for " + n + " bytes within " + timeoutMs + " ms"));
    });
  }

  /**
   * Blocking sends of several payloads as one waiting sender: they are enqueued in order as room
   * frees, never overtaking each other or earlier waiting senders; the ones sent are a prefix.
   * Fails with TOO_LARGE at once, enqueueing nothing, when one of them can never fit.
   */
  Future<SendAllResult> sendAllWait(List<Buffer> payloads, long timeoutMs) {
    int total = payloads.size();
    if (closed) {
      return Future.succeededFuture(new SendAllResult(0, total, true, false));
    }
    if (maxSize > 0) {
      for (int i = 0; i < total; i++) {
        int n = payloads.get(i).length();
        if (n > maxSize) {
          return Future.failedFuture(ChannelError.TOO_LARGE.toException((total == 1 ? "payload" : "payload " + i)
            + " of " + n + " bytes exceeds max_size of " + maxSize + " bytes: it can never fit"));
        }
      }
    }
    PendingSend pending = new PendingSend(payloads);
    // Earlier waiting senders go first, even when these payloads would fit now.
    if (senders.isEmpty() && admit(pending)) {
      dispatch();
      return Future.succeededFuture(pending.result(false, false));
    }
    if (timeoutMs == 0) {
      if (pending.next > 0) {
        dispatch(); // a prefix went in: waiting receivers may take it now
      }
      return Future.succeededFuture(pending.result(false, true));
    }
    pending.promise = Promise.promise();
    senders.addLast(pending);
    blockedSends++;
    if (timeoutMs > 0) {
      pending.timer = scheduler.setTimer(timeoutMs, () -> {
        if (senders.remove(pending)) {
          blockedSends--;
          pending.promise.complete(pending.result(false, true));
          // The next waiting sender may fit where this one's next payload did not.
          dispatch();
        }
      });
    }
    if (pending.next > 0) {
      // A prefix went in: waiting receivers may take it, which makes room for more of the batch
      // (now the head waiting sender, so dispatch admits it too).
      dispatch();
    }
    return pending.promise.future();
  }

  /** Enqueues the sender's next payloads while they fit. @return whether all of them are in */
  private boolean admit(PendingSend s) {
    while (s.next < s.payloads.size() && fits(s.payloads.get(s.next).length())) {
      enqueue(s.payloads.get(s.next++));
    }
    return s.next == s.payloads.size();
  }

  /** Puts a message back at the head (a receive whose caller went away, S-FIX-CANCEL). */
  void requeue(Buffer payload) {
    queue.addFirst(payload);
    size += payload.length();
    ChannelCounters.redelivered(1);
    dispatch();
  }

  /**
   * Backpressure (S-SEND-2, S-EXT-RESERVE): the queued bytes, the bytes pushed and not
   * acknowledged, and every reservation all count as taken. That includes the sender's own
   * reservation when the sender is a stream holding one: a send outside its credit goes into
   * room nobody holds, or the channel could hold max_size plus that credit (issue 15). A stream
   * that wants such a send to fit gives its credit back first (Reserve 0, which its stream
   * applies before the send: frames of one stream reach this owner in order).
   */
  private boolean fits(int n) {
    if (maxSize > 0 && size + inFlightBytes + reservedBytes + n > maxSize) {
      return false;
    }
    return fitsBudget(n + MemoryBudget.MESSAGE_OVERHEAD);
  }

  /** Whether the owner's memory budget has room for {@code cost} more bytes of this channel. */
  private boolean fitsBudget(long cost) {
    if (cost <= budgetRoom()) {
      return true;
    }
    budget.await(this); // dispatched again when another channel gives memory back
    return false;
  }

  /** Room nobody holds: neither queued, in flight nor reserved (here or, for the budget, elsewhere). */
  private long freeRoom() {
    long local = maxSize == 0 ? Long.MAX_VALUE : Math.max(0, maxSize - size - inFlightBytes - reservedBytes);
    return Math.min(local, budgetRoom());
  }

  private long budgetRoom() {
    return budget.room(charged, held());
  }

  /** What this channel holds in the owner's memory budget. */
  private long held() {
    return size + inFlightBytes + reservedBytes + (long) queue.size() * MemoryBudget.MESSAGE_OVERHEAD;
  }

  /** Tells the budget what this channel holds now (after every change: see {@link #dispatch()}). */
  private void settle() {
    long h = held();
    if (h != charged) {
      budget.charge(h - charged);
      charged = h;
    }
  }

  /** Another channel of the owner gave memory back: waiting senders and reservations may fit now. */
  void budgetFreed() {
    dispatch();
  }

  private void enqueue(Buffer payload) {
    queue.addLast(payload);
    size += payload.length();
    ChannelCounters.sent();
  }

  private Buffer dequeue() {
    Buffer head = queue.pollFirst();
    size -= head.length();
    ChannelCounters.received();
    return head;
  }

  // -------------------------------------------------------------------------------- receive

  /**
   * Non-blocking receive (S-RECV-1): a message even when closed, else empty or closed. Answers at
   * once, unless a prefetch holds messages: then it answers once the prefetch gave them back
   * (bounded by {@link #REVOKE_TIMEOUT_MS}), from the head (S-EXT-REVOKE).
   */
  Future<ReceiveResult> tryReceive() {
    if (mustWaitForRevoke()) {
      NowReceive r = new NowReceive(false);
      nowReceives.addLast(r);
      return r.promise.future();
    }
    ReceiveResult result = tryReceiveNow();
    if (result.isMessage()) {
      dispatch(); // room freed: waiting senders may go in
    }
    return Future.succeededFuture(result);
  }

  /** The head, or empty / closed; the caller dispatches (room freed). */
  private ReceiveResult tryReceiveNow() {
    if (!queue.isEmpty()) {
      return ReceiveResult.message(dequeue());
    }
    return closed ? ReceiveResult.closed() : ReceiveResult.empty();
  }

  /**
   * Blocking receive (S-RECV-3): a message as soon as there is one, closed as soon as the channel
   * is closed and empty, a TIMEOUT failure when the time passes. {@code timeoutMs < 0} waits forever.
   *
   * @param receiveId an id the caller can cancel the wait with, or {@code null}
   */
  Future<ReceiveResult> receive(long timeoutMs, String receiveId) {
    if (mustWaitForRevoke()) {
      // A prefetch holds the oldest messages: this receive is served after it gave them back.
      if (timeoutMs == 0) {
        NowReceive r = new NowReceive(true);
        nowReceives.addLast(r);
        return r.promise.future();
      }
      return waitFor(timeoutMs, receiveId);
    }
    if (!queue.isEmpty()) {
      // Receivers still waiting could not take the head (only credit-limited streams can be in
      // that state), so this caller is the first that can.
      Buffer head = dequeue();
      dispatch();
      return Future.succeededFuture(ReceiveResult.message(head));
    }
    if (closed) {
      return Future.succeededFuture(ReceiveResult.closed());
    }
    if (timeoutMs == 0) {
      return Future.failedFuture(ChannelError.TIMEOUT.toException("no message (timeout 0 ms)"));
    }
    return waitFor(timeoutMs, receiveId);
  }

  private Future<ReceiveResult> waitFor(long timeoutMs, String receiveId) {
    Waiter waiter = new Waiter(receiveId);
    receivers.addLast(waiter);
    if (timeoutMs > 0) {
      waiter.timer = scheduler.setTimer(timeoutMs, () -> {
        if (receivers.remove(waiter)) {
          waiter.promise.fail(ChannelError.TIMEOUT.toException("no message within " + timeoutMs + " ms"));
        }
      });
    }
    return waiter.promise.future();
  }

  /** Cancels a blocking receive; it completes with a TIMEOUT failure and leaves no trace (S-FIX-TIMEOUT). */
  void cancelReceive(String receiveId) {
    for (Iterator<Receiver> it = receivers.iterator(); it.hasNext(); ) {
      Receiver r = it.next();
      if (r instanceof Waiter w && receiveId.equals(w.receiveId)) {
        it.remove();
        scheduler.cancelTimer(w.timer);
        w.promise.fail(ChannelError.TIMEOUT.toException("receive cancelled"));
        return;
      }
    }
  }

  // ---------------------------------------------------------------------------------- close

  /** Closes the channel (S-CLOSE-1..3): idempotent; wakes every waiting sender and receiver. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    while (!senders.isEmpty()) {
      if (senders.pollFirst() instanceof PendingSend s) {
        scheduler.cancelTimer(s.timer);
        s.promise.complete(s.result(true, false));
      }
    }
    blockedSends = 0;
    // Closing stops granting: reserved room is released; reserved sends now answer closed.
    for (Reservation r : reservations.values()) {
      r.queued = false;
      r.heldBytes = 0;
      r.heldMessages = 0;
    }
    reservedBytes = 0;
    dispatch();
  }

  // -------------------------------------------------------------------------- subscriptions

  /** Opens a push subscription (S-EXT-PUSH) and grants its initial credit. */
  Subscription subscribe(String subscriptionId, SubscriberSink sink, long creditMessages, long creditBytes) {
    return subscribe(subscriptionId, sink, creditMessages, creditBytes, false);
  }

  /** Opens a push subscription; a revocable one is a prefetch for per-call receives (S-EXT-REVOKE). */
  Subscription subscribe(String subscriptionId, SubscriberSink sink, long creditMessages, long creditBytes,
                         boolean revocable) {
    Subscription sub = new Subscription(subscriptionId, sink, scheduler, revocable);
    subscriptions.put(subscriptionId, sub);
    if (revocable) {
      revocables++;
    }
    if (isClosedAndEmpty()) {
      sub.notifyClosed();
    }
    flow(sub, creditMessages, creditBytes, 0, false);
    return sub;
  }

  Subscription subscription(String subscriptionId) {
    return subscriptions.get(subscriptionId);
  }

  /**
   * Credit, acknowledgement and release for one subscription, applied in that order of meaning:
   * acknowledge first (those messages are gone), release next, then add credit.
   */
  void flow(Subscription sub, long creditMessages, long creditBytes, long ackUpTo, boolean release) {
    if (ackUpTo > 0) {
      inFlightBytes -= sub.ack(ackUpTo);
      if (sub.inFlightCount() == 0) {
        revoked(sub); // everything it held was consumed: nothing to give back
      }
    }
    if (release) {
      receivers.remove(sub);
      List<Buffer> back = sub.releaseAll();
      giveBack(back);
      revoked(sub);
      sub.sink().released(sub.lastSeq(), back.size());
    }
    if ((creditMessages > 0 || creditBytes > 0) && !sub.revoking) {
      boolean wasWaiting = sub.hasCredit();
      sub.grant(creditMessages, creditBytes);
      if (!wasWaiting && sub.hasCredit()) {
        receivers.addLast(sub);
      }
    }
    dispatch();
  }

  /** Ends a subscription: what it was pushed and did not acknowledge returns to the head (S-EXT-REDELIVER). */
  void unsubscribe(String subscriptionId) {
    Subscription sub = subscriptions.remove(subscriptionId);
    if (sub == null) {
      return;
    }
    end(sub);
    dispatch();
  }

  private void end(Subscription sub) {
    receivers.remove(sub);
    giveBack(sub.releaseAll());
    revoked(sub);
    if (sub.revocable()) {
      revocables--;
    }
    unreserve(sub.id());
  }

  // ------------------------------------------------------------------------------ revoking

  /**
   * Before a receiver other than {@code except} is served (S-EXT-REVOKE): revokes every revocable
   * subscription holding pushed, unacknowledged messages, as they would return to the head after
   * the messages that receiver gets.
   *
   * @param except the receiver about to be served (its own messages are no obstacle), or null
   * @return whether a revoke is pending: nobody may be served until it is answered
   */
  private boolean revokeOthers(Receiver except) {
    if (revocables > 0) {
      for (Subscription sub : subscriptions.values()) {
        if (sub != except && sub.revocable() && !sub.revoking && sub.inFlightCount() > 0) {
          revoke(sub);
        }
      }
    }
    return revoking > 0;
  }

  /** Whether a receive that arrives now must wait for a revoke (one pending, or one it starts). */
  private boolean mustWaitForRevoke() {
    return !nowReceives.isEmpty() || revokeOthers(null);
  }

  private void revoke(Subscription sub) {
    sub.revoking = true;
    revoking++;
    receivers.remove(sub);
    sub.withdrawCredit(); // nothing more is pushed to it
    sub.revokeTimer = scheduler.setTimer(REVOKE_TIMEOUT_MS, () -> expire(sub));
    sub.sink().revoke();
  }

  /** The revoke of {@code sub} (if any) was answered: receivers may be served again. */
  private void revoked(Subscription sub) {
    if (sub.revoking) {
      sub.revoking = false;
      revoking--;
      scheduler.cancelTimer(sub.revokeTimer);
      sub.revokeTimer = -1;
    }
  }

  /**
   * A revoked subscription did not answer in time (a stalled client): it is ended and what it held
   * returns to the head (at-least-once, as for a broken stream, S-EXT-REDELIVER).
   */
  private void expire(Subscription sub) {
    if (!sub.revoking || subscriptions.remove(sub.id()) == null) {
      return;
    }
    end(sub);
    sub.sink().expired(REVOKE_TIMEOUT_MS);
    dispatch();
  }

  /** Puts messages that were in flight back at the head of the queue in their original order. */
  private void giveBack(List<Buffer> messages) {
    ChannelCounters.redelivered(messages.size());
    for (int i = messages.size() - 1; i >= 0; i--) {
      Buffer m = messages.get(i);
      queue.addFirst(m);
      size += m.length();
      inFlightBytes -= m.length();
    }
  }

  // --------------------------------------------------------------------------- reservations

  /**
   * Sets the producer credit target of a subscription's stream (S-EXT-RESERVE): revokes what it
   * holds, then grants what it may have now. The answer is always one grant with reset, sent to
   * the subscription's sink; later top-ups follow as room frees. A stream waits for room in the
   * same arrival order as blocking senders.
   *
   * @param bytes the target in bytes, already capped by the server's per-stream limit
   * @param messages the target in messages, already capped
   */
  void reserve(Subscription sub, long bytes, long messages) {
    Reservation r = reservations.computeIfAbsent(sub.id(), k -> new Reservation(k, sub.sink()));
    reservedBytes -= r.heldBytes;
    r.heldBytes = 0;
    r.heldMessages = 0;
    // Never more than the whole channel: more could never be granted.
    r.targetBytes = maxSize == 0 ? bytes : Math.min(bytes, maxSize);
    r.targetMessages = messages;
    r.resetDue = true;
    if (r.queued) {
      // Keeps its place: it was waiting already, and a new target does not make it newer.
    } else if (!closed && r.low()) {
      r.queued = true;
      senders.addLast(r);
    }
    // Revoking may have made room for others; the reservation is granted in its turn.
    dispatch();
    if (r.resetDue) {
      grant(r, 0, 0); // nothing could be granted now: the answer still goes out
    }
    if (r.targetBytes == 0 && r.targetMessages == 0) {
      reservations.remove(r.id()); // gave everything back: nothing left to track
      senders.remove(r);
    }
  }

  /**
   * Reserved sends (S-EXT-RESERVE): enqueued without a room check, using the stream's credit.
   *
   * @param accepted the payloads to enqueue (validated; in order)
   * @param usedMessages the credit the frame used, in messages (every payload of the frame)
   * @param usedBytes the credit the frame used, in bytes
   * @return false when the channel is closed (nothing enqueued)
   * @throws ChannelProtocolException when the frame uses more credit than the stream holds
   */
  boolean sendReserved(String subscriptionId, List<Buffer> accepted, long usedMessages, long usedBytes) {
    if (closed) {
      return false;
    }
    Reservation r = reservations.get(subscriptionId);
    long heldMessages = r == null ? 0 : r.heldMessages;
    long heldBytes = r == null ? 0 : r.heldBytes;
    if (usedMessages > heldMessages || usedBytes > heldBytes) {
      throw new ChannelProtocolException("a reserved send of " + usedMessages + " messages and " + usedBytes
        + " bytes exceeds the producer credit held (" + heldMessages + " messages, " + heldBytes + " bytes)");
    }
    if (r == null) {
      return true; // an empty frame without a reservation: nothing to enqueue
    }
    r.heldMessages -= usedMessages;
    r.heldBytes -= usedBytes;
    reservedBytes -= usedBytes;
    for (Buffer p : accepted) {
      enqueue(p);
    }
    if (!r.queued && r.low()) {
      r.queued = true;
      senders.addLast(r);
    }
    dispatch();
    return true;
  }

  /** Gives a subscription's reservation back to the channel (its stream ended). */
  private void unreserve(String subscriptionId) {
    Reservation r = reservations.remove(subscriptionId);
    if (r != null) {
      reservedBytes -= r.heldBytes;
      senders.remove(r);
    }
  }

  /**
   * Tops a waiting reservation up from the free room.
   *
   * @return whether it is satisfied (it leaves the queue); false: it waits for more room, at the head
   */
  private boolean topUp(Reservation r) {
    long wantBytes = Math.max(0, r.targetBytes - r.heldBytes);
    long wantMessages = Math.max(0, r.targetMessages - r.heldMessages);
    long room = freeRoom();
    // Grant bytes in chunks (at least half the target, or all that is wanted) so that a consumer
    // freeing room message by message does not cost one grant per message; but never wait for a
    // chunk that could not fit even in an empty channel, given what others hold.
    long reachable = maxSize == 0 ? Long.MAX_VALUE : maxSize - reservedBytes - inFlightBytes;
    long chunk = Math.max(1, Math.min(Math.min(wantBytes, (r.targetBytes + 1) / 2), reachable));
    long bytes = wantBytes > 0 && room >= chunk ? Math.min(wantBytes, room) : 0;
    if (wantBytes > 0 && bytes == 0 && budgetRoom() < chunk) {
      budget.await(this); // the node's memory, not this channel, is short: woken when it frees
    }
    // Messages cost no room: they come with every byte grant, or alone when only they run low
    // (a grant of messages without the bytes to use them would only cost a frame).
    boolean bytesLow = r.heldBytes < (r.targetBytes + 1) / 2;
    boolean messagesLow = r.heldMessages < (r.targetMessages + 1) / 2;
    long messages = bytes > 0 || (!bytesLow && messagesLow) ? wantMessages : 0;
    if (bytes > 0 || messages > 0 || r.resetDue) {
      grant(r, bytes, messages);
    }
    return !r.low();
  }

  private void grant(Reservation r, long bytes, long messages) {
    r.heldBytes += bytes;
    r.heldMessages += messages;
    reservedBytes += bytes;
    boolean reset = r.resetDue;
    r.resetDue = false;
    r.sink().sendCredit(bytes, messages, reset);
  }

  // ------------------------------------------------------------------------------- dispatch

  /**
   * Hands queued messages to waiting receivers (oldest message to the longest-waiting receiver able
   * to take it), then admits waiting senders into the room that made, until neither can progress;
   * finally, when closed and empty, wakes every receiver with closed.
   */
  private void dispatch() {
    boolean progress = true;
    while (progress) {
      progress = false;
      // Receives that answer now came before the receivers served below could be (S-EXT-REVOKE).
      while (!nowReceives.isEmpty() && !revokeOthers(null)) {
        NowReceive now = nowReceives.pollFirst();
        ReceiveResult result = tryReceiveNow();
        if (now.timeoutIfEmpty && !result.isMessage() && !result.isClosed()) {
          now.promise.fail(ChannelError.TIMEOUT.toException("no message (timeout 0 ms)"));
        } else {
          now.promise.complete(result);
        }
      }
      while (!queue.isEmpty() && !receivers.isEmpty() && nowReceives.isEmpty()) {
        Receiver r = takeReceiverFor(queue.peekFirst().length());
        if (r == null) {
          break;
        }
        if (revokeOthers(r)) {
          receivers.addFirst(r); // keeps its turn: served once the prefetch gave back
          break;
        }
        Buffer message = dequeue();
        if (r instanceof Subscription) {
          inFlightBytes += message.length(); // held until acknowledged (S-EXT-REDELIVER)
        }
        if (r.deliver(message)) {
          // A subscription with credit left starts waiting again, behind those already waiting.
          receivers.addLast(r);
        }
      }
      while (!closed && !senders.isEmpty()) {
        if (senders.peekFirst() instanceof Reservation r) {
          if (!topUp(r)) {
            break; // not enough room for its next chunk: nobody may overtake it
          }
          senders.pollFirst();
          r.queued = false;
          continue;
        }
        PendingSend s = (PendingSend) senders.peekFirst();
        int before = s.next;
        boolean done = admit(s);
        progress |= s.next > before;
        if (!done) {
          break; // the head sender's next payload does not fit yet: nobody may overtake it
        }
        senders.pollFirst();
        blockedSends--;
        scheduler.cancelTimer(s.timer);
        s.promise.complete(s.result(false, false));
      }
    }
    if (isClosedAndEmpty() && !closedMustWait()) {
      wakeClosed();
    }
    settle();
  }

  /**
   * Closed and empty, but a prefetch may still give messages back (S-EXT-REVOKE): telling the
   * other receivers "closed" now would make them miss those. When there are others, the prefetch
   * is revoked and they are told once it answered (and the queue is empty again).
   */
  private boolean closedMustWait() {
    if (revocables == 0) {
      return false;
    }
    boolean held = false;
    boolean others = !receivers.isEmpty() && receivers.stream().anyMatch(r -> !isHolder(r));
    for (Subscription sub : subscriptions.values()) {
      if (isHolder(sub)) {
        held = true;
      } else {
        others = true; // it would be told closed
      }
    }
    if (!held || !others) {
      return false;
    }
    revokeOthers(null);
    return true;
  }

  private static boolean isHolder(Receiver r) {
    return r instanceof Subscription sub && sub.revocable() && sub.inFlightCount() > 0;
  }

  private Receiver takeReceiverFor(int length) {
    for (Iterator<Receiver> it = receivers.iterator(); it.hasNext(); ) {
      Receiver r = it.next();
      if (r.canTake(length)) {
        it.remove();
        return r;
      }
    }
    return null;
  }

  private void wakeClosed() {
    List<Receiver> woken = new ArrayList<>();
    for (Iterator<Receiver> it = receivers.iterator(); it.hasNext(); ) {
      Receiver r = it.next();
      if (r instanceof Waiter) {
        it.remove();
        woken.add(r);
      }
    }
    for (Receiver r : woken) {
      ((Waiter) r).closed();
    }
    for (Subscription sub : subscriptions.values()) {
      sub.notifyClosed();
    }
  }

  /**
   * The owner verticle stops (the server shuts down): every blocked receiver and sender fails with
   * {@link OwnerLostException} ("unavailable"), not with closed, which would tell a consumer that
   * the producer finished. Streams are ended by the gRPC layer with UNAVAILABLE.
   */
  void shutdown() {
    OwnerLostException gone = new OwnerLostException("the server is shutting down: channel " + id + " is gone");
    for (Iterator<Receiver> it = receivers.iterator(); it.hasNext(); ) {
      if (it.next() instanceof Waiter w) {
        it.remove();
        scheduler.cancelTimer(w.timer);
        w.promise.tryFail(gone);
      }
    }
    while (!senders.isEmpty()) {
      if (senders.pollFirst() instanceof PendingSend s) {
        scheduler.cancelTimer(s.timer);
        s.promise.tryFail(gone);
      }
    }
    blockedSends = 0;
    while (!nowReceives.isEmpty()) {
      nowReceives.pollFirst().promise.tryFail(gone);
    }
    budget.charge(-charged); // the owner is going: nothing here holds memory any more
    charged = 0;
  }

  // ---------------------------------------------------------------------------------- types

  /** Something that waits for a message: a blocked receive or a subscription with credit. */
  interface Receiver {
    /** @return whether it can take a message of this many bytes now */
    boolean canTake(int length);

    /** Takes the message. @return whether it still waits for more (stays a receiver) */
    boolean deliver(Buffer message);
  }

  /** A blocked receive. */
  private final class Waiter implements Receiver {
    final String receiveId;
    final Promise<ReceiveResult> promise = Promise.promise();
    long timer = -1;

    Waiter(String receiveId) {
      this.receiveId = receiveId;
    }

    @Override
    public boolean canTake(int length) {
      return true;
    }

    @Override
    public boolean deliver(Buffer message) {
      scheduler.cancelTimer(timer);
      promise.complete(ReceiveResult.message(message));
      return false;
    }

    void closed() {
      scheduler.cancelTimer(timer);
      promise.complete(ReceiveResult.closed());
    }
  }

  /** A receive answering now (try-receive, or receive with timeout 0) that waits for a revoke. */
  private static final class NowReceive {
    /** A receive with timeout 0: TIMEOUT instead of empty. */
    final boolean timeoutIfEmpty;
    final Promise<ReceiveResult> promise = Promise.promise();

    NowReceive(boolean timeoutIfEmpty) {
      this.timeoutIfEmpty = timeoutIfEmpty;
    }
  }

  /** A blocked send of one or more payloads; {@code next} is the first one not enqueued yet. */
  private static final class PendingSend {
    final List<Buffer> payloads;
    int next;
    Promise<SendAllResult> promise;
    long timer = -1;

    PendingSend(List<Buffer> payloads) {
      this.payloads = payloads;
    }

    SendAllResult result(boolean closed, boolean timedOut) {
      return new SendAllResult(next, payloads.size(), closed && next < payloads.size(), timedOut && next < payloads.size());
    }
  }
}
