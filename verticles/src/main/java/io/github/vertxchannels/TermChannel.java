package io.github.vertxchannels;

import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.Term;
import io.vertx.core.Future;

/**
 * A term channel ({@code py_channel}): every message is one Erlang term. Send terms as values
 * ({@link Term}) or as raw ETF bytes ({@link #send(io.vertx.core.buffer.Buffer)}, the fast path,
 * still validated); receive with {@link ReceiveResult#term()} or take the raw bytes.
 */
public interface TermChannel extends Channel {

  /** Encodes and sends a term without waiting (S-SEND-1..5). */
  default Future<SendResult> send(Term term) {
    return send(Etf.encode(term));
  }

  /** Encodes and sends a term, waiting for room (S-EXT-SENDWAIT). */
  default Future<SendResult> send(Term term, long timeoutMs) {
    return send(Etf.encode(term), timeoutMs);
  }
}
