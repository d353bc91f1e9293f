package io.github.vertxchannels.bench;

import io.github.vertxchannels.bench.v1.PayloadKind;
import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.Term;
import io.vertx.core.buffer.Buffer;

import java.util.Random;

/** The payloads the benchmark sends: random bytes, a binary term of the same size, a small term. */
final class Payloads {

  private Payloads() {
  }

  /** @return random bytes, the same for the same size (a fixed seed: runs are comparable) */
  static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(size * 31L + 7).nextBytes(bytes);
    return bytes;
  }

  /**
   * @param kind what to send
   * @param chunk bytes of payload (bytes) or of the binary inside the term
   * @return the payload
   */
  static Buffer of(PayloadKind kind, int chunk) {
    switch (kind) {
      case PAYLOAD_KIND_BYTES:
        return Buffer.buffer(randomBytes(chunk));
      case PAYLOAD_KIND_TERM_BINARY:
        return Etf.encode(Term.binary(randomBytes(chunk)));
      case PAYLOAD_KIND_TERM_SMALL:
        return Etf.encode(Term.tuple(Term.atom("ok"), Term.integer(42), Term.binary("x")));
      default:
        throw new IllegalArgumentException("payload kind is required, got " + kind);
    }
  }

  /** @return whether the kind goes to a term channel */
  static boolean isTerm(PayloadKind kind) {
    return kind == PayloadKind.PAYLOAD_KIND_TERM_BINARY || kind == PayloadKind.PAYLOAD_KIND_TERM_SMALL;
  }

  /** @return the bytes a message of this kind counts for in MB/s: the chunk, not the ETF framing */
  static long countedBytes(PayloadKind kind, int chunk, Buffer payload) {
    return kind == PayloadKind.PAYLOAD_KIND_TERM_SMALL ? payload.length() : chunk;
  }
}
