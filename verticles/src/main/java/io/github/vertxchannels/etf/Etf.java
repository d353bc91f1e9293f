package io.github.vertxchannels.etf;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.Objects;

/**
 * The Erlang External Term Format: validation of the bytes a term channel carries (contract rule
 * S-FIX-DECODE), and decoding to and encoding from {@link Term} values.
 *
 * <p>A valid payload is exactly one term: the version byte 131, then one term (or a compressed
 * term, tag 80, whose inflated data is one term), and nothing after it. Everything
 * {@code term_to_binary/1,2} writes on OTP 25 to 28 is accepted; the validator is as strict as
 * Erlang's {@code binary_to_term/1} (it refuses what that refuses: malformed UTF-8 atoms, non-finite
 * floats, bad bitstring bit counts, duplicate map keys, out-of-range creations, ...) and stricter in
 * a few places where {@code binary_to_term} is lenient:
 *
 * <ul>
 *   <li>no trailing bytes, after the term nor after a compressed term's zlib stream;
 *   <li>a {@code NEW_FUN_EXT}'s size field must equal the bytes it spans;
 *   <li>integer fields of funs and exports must be {@code SMALL_INTEGER_EXT}/{@code INTEGER_EXT},
 *       and a fun's creator must be a pid (what every OTP release writes there);
 *   <li>containers may nest at most {@link EtfLimits#maxDepth()} deep, and a compressed term may
 *       inflate to at most {@link EtfLimits#maxInflatedBytes()};
 *   <li>atom cache references, distribution headers, {@code LOCAL_EXT} and the BEAM's internal tags
 *       73 to 76 (an atom by its index in the atom table of the node that decodes it) are refused:
 *       they are meaningless outside the distribution protocol or a particular node;
 *   <li>a {@code FLOAT_EXT}'s text must end with a NUL within its 31 bytes.
 * </ul>
 *
 * <p>One thing no sender-side check can know: a node decoding a pid, port or reference that names
 * the node itself (its own node name and creation, e.g. {@code nonode@nohost} and creation 0 for
 * every node not in distribution) holds it in its internal, narrower form, and refuses numbers
 * that do not fit (on OTP 25: a pid id of 2^15 or more). Such identifiers are well-formed, and
 * other nodes accept them, so they are accepted here. Likewise, pids, references, ports and funs
 * are compared by their bytes ({@link ErlOpaque}), so a map whose keys are the same pid written
 * with two encodings of its node name is accepted, where {@code binary_to_term} finds a duplicate.
 *
 * <p>Problems are reported as {@link EtfException}s (an {@link IllegalArgumentException}) whose
 * message names the problem and its byte offset. Validation is a single pass that allocates
 * nothing per element; only a compressed term allocates (its inflated data). All methods are
 * thread-safe.
 */
public final class Etf {

  /** The version byte every ETF payload starts with. */
  public static final int VERSION_BYTE = Tags.VERSION;

  private Etf() {}

  /**
   * Checks that the buffer holds exactly one well-formed term (S-FIX-DECODE), with the default
   * limits.
   *
   * @param payload the bytes; not modified
   * @throws EtfException when it does not
   */
  public static void validate(Buffer payload) {
    validate(payload, EtfLimits.DEFAULT);
  }

  /**
   * Checks that the buffer holds exactly one well-formed term (S-FIX-DECODE).
   *
   * @param payload the bytes; not modified
   * @param limits the bounds to enforce
   * @throws EtfException when it does not
   */
  public static void validate(Buffer payload, EtfLimits limits) {
    ByteBuf heap = heapByteBuf(payload);
    if (heap != null) {
      Validator.validate(heap.array(), heap.arrayOffset() + heap.readerIndex(), heap.readableBytes(), limits);
    } else {
      byte[] bytes = payload.getBytes();
      Validator.validate(bytes, 0, bytes.length, limits);
    }
  }

  /**
   * Checks that the bytes are exactly one well-formed term (S-FIX-DECODE), with the default limits.
   *
   * @param bytes the bytes; not modified
   * @throws EtfException when they are not
   */
  public static void validate(byte[] bytes) {
    Validator.validate(bytes, 0, bytes.length, EtfLimits.DEFAULT);
  }

  /**
   * Checks that the bytes are exactly one well-formed term (S-FIX-DECODE).
   *
   * @param bytes the bytes; not modified
   * @param limits the bounds to enforce
   * @throws EtfException when they are not
   */
  public static void validate(byte[] bytes, EtfLimits limits) {
    Validator.validate(bytes, 0, bytes.length, limits);
  }

  /**
   * Checks that {@code bytes[offset, offset + length)} is exactly one well-formed term
   * (S-FIX-DECODE). Offsets in error messages count from {@code offset}.
   *
   * @param bytes the bytes; not modified
   * @param offset where the term (its version byte) starts
   * @param length how many bytes it spans
   * @param limits the bounds to enforce
   * @throws EtfException when they are not
   * @throws IndexOutOfBoundsException when the range is not within the array
   */
  public static void validate(byte[] bytes, int offset, int length, EtfLimits limits) {
    Validator.validate(bytes, offset, length, limits);
  }

  /**
   * Decodes exactly one term, with the default limits. The result shares nothing with the buffer.
   *
   * @param payload the bytes; not modified
   * @return the term
   * @throws EtfException when the bytes are not exactly one well-formed term (S-FIX-DECODE)
   */
  public static Term decode(Buffer payload) {
    return decode(payload, EtfLimits.DEFAULT);
  }

  /**
   * Decodes exactly one term. The result shares nothing with the buffer.
   *
   * @param payload the bytes; not modified
   * @param limits the bounds to enforce
   * @return the term
   * @throws EtfException when the bytes are not exactly one well-formed term (S-FIX-DECODE)
   */
  public static Term decode(Buffer payload, EtfLimits limits) {
    ByteBuf heap = heapByteBuf(payload);
    if (heap != null) {
      return decode(heap.array(), heap.arrayOffset() + heap.readerIndex(), heap.readableBytes(), limits);
    }
    byte[] bytes = payload.getBytes();
    return decode(bytes, 0, bytes.length, limits);
  }

  /**
   * Decodes exactly one term, with the default limits. The result shares nothing with the array.
   *
   * @param bytes the bytes; not modified
   * @return the term
   * @throws EtfException when the bytes are not exactly one well-formed term (S-FIX-DECODE)
   */
  public static Term decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length, EtfLimits.DEFAULT);
  }

  /**
   * Decodes exactly one term. The result shares nothing with the array.
   *
   * @param bytes the bytes; not modified
   * @param limits the bounds to enforce
   * @return the term
   * @throws EtfException when the bytes are not exactly one well-formed term (S-FIX-DECODE)
   */
  public static Term decode(byte[] bytes, EtfLimits limits) {
    return decode(bytes, 0, bytes.length, limits);
  }

  /**
   * Decodes exactly one term from {@code bytes[offset, offset + length)}. The result shares nothing
   * with the array. STRING_EXT decodes to an {@link ErlList} of {@link ErlInteger}s, pids,
   * references, ports and funs to {@link ErlOpaque}s, a compressed term to the term it holds.
   *
   * @param bytes the bytes; not modified
   * @param offset where the term (its version byte) starts
   * @param length how many bytes it spans
   * @param limits the bounds to enforce
   * @return the term
   * @throws EtfException when the bytes are not exactly one well-formed term (S-FIX-DECODE)
   * @throws IndexOutOfBoundsException when the range is not within the array
   */
  public static Term decode(byte[] bytes, int offset, int length, EtfLimits limits) {
    byte[] inflated = Validator.check(bytes, offset, length, limits);
    return inflated != null ? new Decoder(inflated).read(0) : new Decoder(bytes).read(offset + 1);
  }

  /**
   * Encodes a term as {@code term_to_binary(T, [{minor_version, 2}])} does (see the {@link Term}
   * implementations for the encodings chosen), uncompressed.
   *
   * @param term the term
   * @return a new buffer holding the version byte and the term
   */
  public static Buffer encode(Term term) {
    return Buffer.buffer(Encoder.encode(Objects.requireNonNull(term, "term")));
  }

  /**
   * Encodes a term as {@code term_to_binary(T, [{minor_version, 2}])} does, uncompressed.
   *
   * @param term the term
   * @return the version byte and the term
   */
  public static byte[] encodeToBytes(Term term) {
    return Encoder.encode(Objects.requireNonNull(term, "term"));
  }

  /** The buffer's heap ByteBuf when its bytes can be read in place, else null. */
  private static ByteBuf heapByteBuf(Buffer payload) {
    if (payload instanceof BufferInternal internal) {
      ByteBuf buf = internal.getByteBuf();
      if (buf.hasArray()) {
        return buf;
      }
    }
    return null;
  }
}
