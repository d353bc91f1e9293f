package io.github.vertxchannels.etf;

import java.util.Arrays;

/**
 * An Erlang bitstring whose length is not a whole number of bytes, e.g. {@code <<1:3>>}. Encoded as
 * {@code BIT_BINARY_EXT}. (Whole-byte bitstrings are {@link ErlBinary}s, as in Erlang.)
 */
public final class ErlBitString implements Term {

  private final byte[] bytes;
  private final int bitsInLastByte;

  private ErlBitString(byte[] bytes, int bitsInLastByte) {
    this.bytes = bytes;
    this.bitsInLastByte = bitsInLastByte;
    // Canonical form: the unused low bits are zero, so equal values have equal bytes.
    bytes[bytes.length - 1] &= (byte) (0xFF << (8 - bitsInLastByte));
  }

  /**
   * @param bytes the bytes, at least one, copied; the bits are the high bits of each byte
   * @param bitsInLastByte how many (high) bits of the last byte belong to the value, 1 to 7
   * @return the bitstring
   * @throws IllegalArgumentException when there are no bytes or bitsInLastByte is out of range
   */
  public static ErlBitString of(byte[] bytes, int bitsInLastByte) {
    if (bytes.length == 0 || bitsInLastByte < 1 || bitsInLastByte > 7) {
      throw new IllegalArgumentException("a bitstring needs at least one byte and 1..7 bits in its last byte "
          + "(use ErlBinary for whole bytes): " + bytes.length + " bytes, " + bitsInLastByte + " bits");
    }
    return new ErlBitString(bytes.clone(), bitsInLastByte);
  }

  /** For this package: a bitstring over an array the caller gives up. */
  static ErlBitString wrap(byte[] owned, int bitsInLastByte) {
    return new ErlBitString(owned, bitsInLastByte);
  }

  /** @return a copy of the bytes (the unused low bits of the last one are zero) */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** @return how many (high) bits of the last byte belong to the value, 1 to 7 */
  public int bitsInLastByte() {
    return bitsInLastByte;
  }

  /** @return the length in bits */
  public long bitSize() {
    return (bytes.length - 1) * 8L + bitsInLastByte;
  }

  /** The bytes, shared: callers must not modify them. */
  byte[] array() {
    return bytes;
  }

  /** Bitstrings are equal when their bits are. */
  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof ErlBitString b && b.bitsInLastByte == bitsInLastByte
        && Arrays.equals(b.bytes, bytes);
  }

  /** Consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(bytes) + bitsInLastByte;
  }

  /** Erlang syntax, e.g. {@code <<1:3>>} or {@code <<255,1:1>>}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(bytes.length * 4 + 8);
    Printer.appendBinary(sb, bytes, bytes.length, bitsInLastByte);
    return sb.toString();
  }
}
