package io.github.vertxchannels.etf;

/**
 * Bytes that are not exactly one well-formed term in the Erlang External Term Format (contract rule
 * S-FIX-DECODE), or a value that cannot be represented in it.
 *
 * <p>It extends {@link IllegalArgumentException} on purpose: a malformed term is a bad argument of
 * the caller, so layers that map exceptions to status codes (the event-bus handlers, the gRPC
 * service) answer {@code INVALID_ARGUMENT} for it without knowing this type. The message names
 * what is wrong and where, e.g. {@code "truncated BINARY_EXT at offset 5: declares 100 bytes, 3
 * present"}; {@link #offset()} gives the position alone.
 */
public final class EtfException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** Where the problem is, or -1. */
  private final long offset;

  /**
   * @param message what is wrong, for a person, including the offset when there is one
   * @param offset the byte offset of the problem from the start of the input (the version byte is
   *     offset 0), or -1 when the problem has no position
   */
  public EtfException(String message, long offset) {
    super(message);
    this.offset = offset;
  }

  /**
   * @return the byte offset of the problem from the start of the input (the version byte is offset
   *     0); for a problem inside a compressed term, the offset inside its inflated data; -1 when the
   *     problem has no position (e.g. a value that cannot be encoded)
   */
  public long offset() {
    return offset;
  }
}
