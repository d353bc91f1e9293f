package io.github.vertxchannels.etf;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * An Erlang atom: a name of at most 255 characters. Atoms are equal when their names are, whichever
 * encoding (Latin-1 or UTF-8) they were decoded from; they are encoded as UTF-8
 * ({@code SMALL_ATOM_UTF8_EXT}/{@code ATOM_UTF8_EXT}), as {@code term_to_binary(A, [{minor_version,
 * 2}])} does.
 *
 * <p>Atoms built from network input are not interned (an attacker could otherwise fill memory, as
 * with Erlang's atom table); only a few common ones are shared constants.
 */
public final class Atom implements Term {

  /** {@code true}. */
  public static final Atom TRUE = new Atom("true");
  /** {@code false}. */
  public static final Atom FALSE = new Atom("false");
  /** {@code ok}. */
  public static final Atom OK = new Atom("ok");
  /** {@code error}. */
  public static final Atom ERROR = new Atom("error");
  /** {@code undefined}. */
  public static final Atom UNDEFINED = new Atom("undefined");

  private static final Set<String> RESERVED = Set.of("after", "and", "andalso", "band", "begin", "bnot", "bor",
      "bsl", "bsr", "bxor", "case", "catch", "cond", "div", "else", "end", "fun", "if", "let", "maybe", "not",
      "of", "or", "orelse", "receive", "rem", "try", "when", "xor");

  private final String name;
  private final byte[] utf8;

  private Atom(String name) {
    this.name = name;
    this.utf8 = name.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * @param name the name: at most 255 characters (code points), valid Unicode (no lone surrogates)
   * @return the atom
   * @throws IllegalArgumentException when the name is too long or not valid Unicode
   */
  public static Atom of(String name) {
    Atom common = common(name);
    if (common != null) {
      return common;
    }
    int chars = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("an atom name must be valid Unicode: lone surrogate at index " + i);
      }
      chars++;
    }
    if (chars > Tags.MAX_ATOM_CHARS) {
      throw new IllegalArgumentException("an atom has at most 255 characters, not " + chars);
    }
    return new Atom(name);
  }

  /** The shared constant for a common name, or null. */
  private static Atom common(String name) {
    switch (name) {
      case "true": return TRUE;
      case "false": return FALSE;
      case "ok": return OK;
      case "error": return ERROR;
      case "undefined": return UNDEFINED;
      default: return null;
    }
  }

  /** For the decoder: an atom whose name is already known valid. */
  static Atom trusted(String name) {
    Atom common = common(name);
    return common != null ? common : new Atom(name);
  }

  /** @return the name */
  public String name() {
    return name;
  }

  /** The name's UTF-8 bytes, shared: callers must not modify them. */
  byte[] utf8() {
    return utf8;
  }

  /** @return true for {@code true} and {@code false} */
  public boolean isBoolean() {
    return this == TRUE || this == FALSE;
  }

  /** Atoms are equal when their names are. */
  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof Atom a && a.name.equals(name);
  }

  /** The name's hash. */
  @Override
  public int hashCode() {
    return name.hashCode();
  }

  /** Erlang syntax: {@code ok}, {@code 'hello world'}, {@code 'end'}, {@code 'Caps'}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name.length() + 2);
    appendTo(sb);
    return sb.toString();
  }

  void appendTo(StringBuilder sb) {
    if (needsNoQuotes()) {
      sb.append(name);
      return;
    }
    sb.append('\'');
    Printer.escape(sb, name, '\'');
    sb.append('\'');
  }

  private boolean needsNoQuotes() {
    if (name.isEmpty() || RESERVED.contains(name)) {
      return false;
    }
    char first = name.charAt(0);
    if (!((first >= 'a' && first <= 'z') || (first >= 'ß' && first <= 'ÿ' && first != '÷'))) {
      return false;
    }
    for (int i = 1; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
          || c == '@' || (c >= 'À' && c <= 'ÿ' && c != '×' && c != '÷');
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
