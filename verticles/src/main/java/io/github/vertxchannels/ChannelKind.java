package io.github.vertxchannels;

/**
 * The kind of a channel, fixed when it is created (contract S-MODEL-2).
 */
public enum ChannelKind {

  /**
   * A term channel: each message is exactly one Erlang term in the External Term Format (the bytes
   * of {@code term_to_binary/1}, starting with the version byte 131), validated on every send
   * (S-FIX-DECODE).
   */
  TERM("term"),

  /** A byte channel: each message is opaque bytes; an empty message is a message (S-FIX-EMPTY). */
  BYTES("bytes");

  private final String wireName;

  ChannelKind(String wireName) {
    this.wireName = wireName;
  }

  /**
   * @return the name used on the event bus and in JSON ({@code "term"} or {@code "bytes"})
   */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a wire name.
   *
   * @param name {@code "term"} or {@code "bytes"}
   * @return the kind
   * @throws InvalidArgumentException when the name is neither
   */
  public static ChannelKind fromWireName(String name) {
    if ("term".equals(name)) {
      return TERM;
    }
    if ("bytes".equals(name)) {
      return BYTES;
    }
    throw new InvalidArgumentException("unknown channel kind '" + name + "' (expected 'term' or 'bytes')");
  }
}
