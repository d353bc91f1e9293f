package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelStream;
import io.github.vertxchannels.OwnerLostException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayDeque;
import java.util.List;

/**
 * {@link ChannelStream} over a {@link ChannelSubscriber}: at most {@code window} messages are in
 * flight or buffered here; credit is returned as messages are handed to the handler, so a paused
 * stream stops the flow at the owner, where the messages stay visible to other receivers.
 */
final class ChannelStreamImpl implements ChannelStream, ChannelSubscriber.Listener {

  private final Vertx vertx;
  private final String channelId;
  private final ChannelKind kind;
  private final int window;

  private final ArrayDeque<Buffer> pending = new ArrayDeque<>();
  private ChannelSubscriber subscriber;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private long demand = Long.MAX_VALUE;
  private long handedSeq;
  private long ackedSeq;
  private boolean closedSeen;
  private boolean ended;
  private boolean opening;

  ChannelStreamImpl(Vertx vertx, String channelId, ChannelKind kind, int window) {
    this.vertx = vertx;
    this.channelId = channelId;
    this.kind = kind;
    this.window = window;
  }

  @Override
  public ChannelStream exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public ChannelStream handler(Handler<Buffer> handler) {
    this.handler = handler;
    if (handler == null) {
      cancel();
    } else if (subscriber == null && !opening) {
      opening = true;
      // Byte credit is not limited for a local stream: its window in messages bounds it.
      ChannelSubscriber.open(vertx, channelId, kind, window, Long.MAX_VALUE, this)
        .onSuccess(s -> {
          subscriber = s;
          if (ended) {
            s.close();
          }
        })
        .onFailure(this::fail);
    }
    return this;
  }

  @Override
  public ChannelStream pause() {
    demand = 0;
    return this;
  }

  @Override
  public ChannelStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public ChannelStream fetch(long amount) {
    demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
    drain();
    return this;
  }

  @Override
  public ChannelStream endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }

  @Override
  public Future<Void> cancel() {
    if (ended) {
      return Future.succeededFuture();
    }
    ended = true;
    pending.clear();
    return finish();
  }

  @Override
  public void deliveries(long firstSeq, List<Buffer> payloads) {
    pending.addAll(payloads);
    drain();
  }

  @Override
  public void closed() {
    closedSeen = true;
    drain();
  }

  @Override
  public void released(long upToSeq, int returned) {
    // This stream never releases.
  }

  @Override
  public void ownerLost(OwnerLostException failure) {
    pending.clear();
    fail(failure);
  }

  private void drain() {
    while (!ended && demand > 0 && !pending.isEmpty()) {
      Buffer next = pending.pollFirst();
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      handedSeq++;
      Handler<Buffer> h = handler;
      if (h != null) {
        h.handle(next);
      }
    }
    // Return credit in half-window steps: fewer flow messages, and the owner keeps pushing. Also
    // whenever everything pushed was handed over: unacknowledged messages take room in the
    // channel (they are held for redelivery), so a consumer about to wait must not keep them.
    if (!ended && subscriber != null && handedSeq > ackedSeq
        && (handedSeq - ackedSeq >= Math.max(1, window / 2) || pending.isEmpty())) {
      subscriber.flow(handedSeq - ackedSeq, 0, handedSeq, false);
      ackedSeq = handedSeq;
    }
    if (!ended && closedSeen && pending.isEmpty()) {
      ended = true;
      finish();
      Handler<Void> h = endHandler;
      if (h != null) {
        h.handle(null);
      }
    }
  }

  /** Acknowledges what was handed over, then unsubscribes: the rest goes back to the channel. */
  private Future<Void> finish() {
    if (subscriber == null) {
      return Future.succeededFuture();
    }
    if (handedSeq > ackedSeq) {
      subscriber.flow(0, 0, handedSeq, false);
      ackedSeq = handedSeq;
    }
    return subscriber.close();
  }

  private void fail(Throwable err) {
    ended = true;
    Handler<Throwable> h = exceptionHandler;
    if (h != null) {
      h.handle(err);
    }
  }
}
