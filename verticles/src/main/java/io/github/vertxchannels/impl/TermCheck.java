package io.github.vertxchannels.impl;

import io.github.vertxchannels.InvalidArgumentException;
import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.EtfException;
import io.github.vertxchannels.etf.EtfLimits;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates the payloads of sends to term channels (S-FIX-DECODE) without stalling the owner's
 * event loop, which serves every channel of the node: small terms are checked inline; compressed
 * terms (which may inflate a thousandfold) and large ones are checked on a worker thread. A
 * compressed term may not declare more uncompressed bytes than the message limit
 * ({@code max_message_size}): refused before anything is inflated.
 *
 * <p>Order is kept per channel: while a check of a channel runs on a worker, later sends to that
 * channel wait behind it, so that no send overtakes an earlier one. Used on the owner's event loop only.
 */
final class TermCheck {

  /** Terms up to this size (uncompressed) are checked inline: well under a millisecond. */
  static final int INLINE_MAX_BYTES = 64 * 1024;

  private static final int COMPRESSED = 80;

  private final int maxMessageSize;
  private final EtfLimits limits;
  /** Per channel id: the last check in flight on a worker (absent when none). */
  private final Map<String, Future<Void>> tails = new HashMap<>();

  TermCheck(int maxMessageSize) {
    this.maxMessageSize = maxMessageSize;
    this.limits = EtfLimits.DEFAULT.withMaxInflatedBytes(Math.min(maxMessageSize, EtfLimits.DEFAULT_MAX_INFLATED_BYTES));
  }

  /**
   * @param channelId the channel the payloads go to (a term channel)
   * @param payloads the payloads of one request, each within the message limit
   * @param then called (on the caller's context) once every payload is valid, or with an
   *     {@link InvalidArgumentException} saying which payload is wrong and why; after every
   *     earlier {@code then} of this channel ran (so that what it enqueues stays in order)
   */
  void check(String channelId, List<Buffer> payloads, Handler<AsyncResult<Void>> then) {
    boolean heavy = false;
    for (int i = 0; i < payloads.size(); i++) {
      Buffer p = payloads.get(i);
      if (isCompressed(p)) {
        long declared = p.length() < 6 ? 0 : p.getUnsignedInt(2);
        if (declared > maxMessageSize) {
          // Refused at once: nothing of it was inflated, and nothing was enqueued, so order is moot.
          then.handle(Future.failedFuture(new InvalidArgumentException(prefix(payloads, i)
            + "compressed term declares " + declared + " uncompressed bytes, more than the server's message limit of "
            + maxMessageSize + " bytes (max_message_size)" + suffix(payloads))));
          return;
        }
        heavy = true;
      } else if (p.length() > INLINE_MAX_BYTES) {
        heavy = true;
      }
    }
    boolean offload = heavy;
    Future<Void> tail = tails.get(channelId);
    if (!offload && tail == null) {
      then.handle(inline(payloads));
      return;
    }
    Context context = Vertx.currentContext();
    Future<Void> before = tail == null ? Future.succeededFuture() : tail;
    Future<Void> mine = before.transform(ignored -> offload
      ? context.<Void>executeBlocking(() -> {
          validate(payloads);
          return null;
        }, false)
      : inline(payloads));
    // The next send of this channel waits until this one's continuation ran, whatever its outcome.
    Promise<Void> done = Promise.promise();
    tails.put(channelId, done.future());
    mine.onComplete(ar -> {
      try {
        then.handle(ar);
      } finally {
        tails.remove(channelId, done.future());
        done.complete();
      }
    });
  }

  private Future<Void> inline(List<Buffer> payloads) {
    try {
      validate(payloads);
      return Future.succeededFuture();
    } catch (InvalidArgumentException e) {
      return Future.failedFuture(e);
    }
  }

  private void validate(List<Buffer> payloads) {
    for (int i = 0; i < payloads.size(); i++) {
      try {
        Etf.validate(payloads.get(i), limits);
      } catch (EtfException e) {
        throw new InvalidArgumentException(prefix(payloads, i) + "not a valid ETF term: " + e.getMessage() + suffix(payloads));
      }
    }
  }

  private static boolean isCompressed(Buffer p) {
    return p.length() >= 2 && (p.getByte(1) & 0xFF) == COMPRESSED;
  }

  private static String prefix(List<Buffer> payloads, int i) {
    return payloads.size() == 1 ? "" : "payload " + i + ": ";
  }

  private static String suffix(List<Buffer> payloads) {
    return payloads.size() == 1 ? "" : "; nothing was sent";
  }
}
