package io.github.vertxchannels.etf;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** An Erlang binary: a whole number of bytes. Encoded as {@code BINARY_EXT}. */
public final class ErlBinary implements Term {

  /** The empty binary {@code <<>>}. */
  public static final ErlBinary EMPTY = new ErlBinary(new byte[0]);

  private final byte[] bytes;

  private ErlBinary(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * @param bytes the bytes, copied
   * @return the binary
   */
  public static ErlBinary of(byte[] bytes) {
    return bytes.length == 0 ? EMPTY : new ErlBinary(bytes.clone());
  }

  /** For this package: a binary over an array the caller gives up. */
  static ErlBinary wrap(byte[] owned) {
    return owned.length == 0 ? EMPTY : new ErlBinary(owned);
  }

  /** @return the number of bytes */
  public int size() {
    return bytes.length;
  }

  /**
   * @param index a position, 0 to {@code size() - 1}
   * @return the byte there, 0 to 255
   */
  public int byteAt(int index) {
    return bytes[index] & 0xFF;
  }

  /** @return a copy of the bytes */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** @return a new buffer holding a copy of the bytes */
  public Buffer toBuffer() {
    return Buffer.buffer(bytes.clone());
  }

  /** @return the bytes decoded as UTF-8 (malformed sequences become U+FFFD) */
  public String utf8() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** The bytes, shared: callers must not modify them. */
  byte[] array() {
    return bytes;
  }

  /** Binaries are equal when their bytes are. */
  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof ErlBinary b && Arrays.equals(b.bytes, bytes);
  }

  /** Consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Erlang syntax: {@code <<"text">>}, {@code <<"日本"/utf8>>} or {@code <<1,2,3>>}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(bytes.length + 6);
    Printer.appendBinary(sb, bytes, bytes.length, 8);
    return sb.toString();
  }
}
