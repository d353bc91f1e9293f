package io.github.vertxchannels.etf;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * An immutable Erlang term: the value side of the External Term Format, for Java code that wants
 * values rather than the raw bytes a term channel carries.
 *
 * <p>Decode bytes with {@link Etf#decode}, encode with {@link Etf#encode}. Values compare with
 * {@code equals} the way Erlang's {@code =:=} does (integers by value whatever their encoding,
 * atoms by name whatever their encoding, maps regardless of entry order), except that pids,
 * references, ports and funs ({@link ErlOpaque}) compare by their exact encoded bytes.
 * {@code toString} prints Erlang syntax, e.g. {@code {ok,42,<<"x">>}}.
 *
 * <p>{@code equals} and {@code hashCode} recurse into nested values, so values nested many
 * thousands deep (which {@link EtfLimits#DEFAULT} refuses to decode) may overflow the stack there;
 * {@code toString}, encoding and decoding do not recurse.
 */
public sealed interface Term permits Atom, ErlInteger, ErlFloat, ErlBinary, ErlBitString, ErlTuple, ErlList,
    ErlMap, ErlOpaque {

  /**
   * @param name the atom's name, at most 255 characters
   * @return the atom
   * @throws IllegalArgumentException when the name is too long or not valid Unicode
   */
  static Atom atom(String name) {
    return Atom.of(name);
  }

  /**
   * @param elements the elements, in order
   * @return the tuple {@code {E1, E2, ...}}
   */
  static ErlTuple tuple(Term... elements) {
    return ErlTuple.of(elements);
  }

  /**
   * @param elements the elements, in order
   * @return the tuple
   */
  static ErlTuple tuple(List<? extends Term> elements) {
    return ErlTuple.of(elements);
  }

  /**
   * @param elements the elements, in order
   * @return the proper list {@code [E1, E2, ...]}; {@link ErlList#NIL} when there are none
   */
  static ErlList list(Term... elements) {
    return ErlList.of(elements);
  }

  /**
   * @param elements the elements, in order
   * @return the proper list; {@link ErlList#NIL} when there are none
   */
  static ErlList list(List<? extends Term> elements) {
    return ErlList.of(elements);
  }

  /**
   * @param elements the elements, in order
   * @param tail the tail
   * @return {@code [E1, E2, ... | Tail]}: an {@link ErlList} (improper unless the tail is a proper
   *     list), or the tail itself when there are no elements, as in Erlang
   */
  static Term improperList(List<? extends Term> elements, Term tail) {
    return ErlList.improper(elements, tail);
  }

  /**
   * @param text the characters
   * @return the charlist (a proper list of the code points), as Erlang's {@code "text"}
   */
  static ErlList charlist(String text) {
    return ErlList.of(text.codePoints().mapToObj(ErlInteger::of).toList());
  }

  /**
   * @param bytes the bytes, copied
   * @return the binary
   */
  static ErlBinary binary(byte[] bytes) {
    return ErlBinary.of(bytes);
  }

  /**
   * @param utf8 the text
   * @return the binary holding the text's UTF-8 encoding, as Erlang's {@code <<"text"/utf8>>}
   */
  static ErlBinary binary(String utf8) {
    return ErlBinary.wrap(utf8.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * @param bytes the bytes, copied; the unused low bits of the last byte are ignored
   * @param bitsInLastByte how many of the last byte's bits belong to the value, 1 to 8 (8 means all:
   *     the value is a binary)
   * @return the bitstring, or an {@link ErlBinary} when it is a whole number of bytes
   */
  static Term bitstring(byte[] bytes, int bitsInLastByte) {
    if (bitsInLastByte == 8 || bytes.length == 0) {
      if (bitsInLastByte != 8 && bitsInLastByte != 0) {
        throw new IllegalArgumentException("an empty bitstring has no bits in its last byte");
      }
      return ErlBinary.of(bytes);
    }
    return ErlBitString.of(bytes, bitsInLastByte);
  }

  /**
   * @param value the value
   * @return the integer
   */
  static ErlInteger integer(long value) {
    return ErlInteger.of(value);
  }

  /**
   * @param value the value, of any size
   * @return the integer
   */
  static ErlInteger integer(BigInteger value) {
    return ErlInteger.of(value);
  }

  /**
   * @param value a finite value (Erlang has no NaN or infinities)
   * @return the float
   * @throws IllegalArgumentException when not finite
   */
  static ErlFloat floating(double value) {
    return ErlFloat.of(value);
  }

  /**
   * @param entries the entries; their iteration order becomes the map's (encoding) order
   * @return the map
   */
  static ErlMap map(Map<? extends Term, ? extends Term> entries) {
    return ErlMap.of(entries);
  }

  /**
   * @param keysAndValues key1, value1, key2, value2, ...
   * @return the map, in that order
   * @throws IllegalArgumentException when given an odd number of terms or a key twice
   */
  static ErlMap map(Term... keysAndValues) {
    return ErlMap.of(keysAndValues);
  }

  /**
   * @param ok whether true
   * @return the atom {@code true} or {@code false}
   */
  static Atom bool(boolean ok) {
    return ok ? Atom.TRUE : Atom.FALSE;
  }

  /** @return this value encoded as ETF bytes (see {@link Etf#encodeToBytes}) */
  default byte[] toEtf() {
    return Etf.encodeToBytes(this);
  }
}
