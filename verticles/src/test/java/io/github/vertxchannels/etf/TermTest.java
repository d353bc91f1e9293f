package io.github.vertxchannels.etf;

import static io.github.vertxchannels.etf.Term.atom;
import static io.github.vertxchannels.etf.Term.binary;
import static io.github.vertxchannels.etf.Term.integer;
import static io.github.vertxchannels.etf.Term.list;
import static io.github.vertxchannels.etf.Term.tuple;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The value model: factories, immutability, equality, Erlang-syntax printing. */
class TermTest {

  @Test
  @DisplayName("atoms: at most 255 characters of valid Unicode; common ones are shared constants")
  void atoms() {
    assertSame(Atom.TRUE, atom("true"));
    assertSame(Atom.FALSE, Term.bool(false));
    assertTrue(Atom.TRUE.isBoolean());
    assertFalse(Atom.OK.isBoolean());
    assertEquals("é".repeat(255), atom("é".repeat(255)).name());
    assertEquals(255, atom("😀".repeat(255)).name().codePointCount(0, 510));
    assertThrows(IllegalArgumentException.class, () -> atom("a".repeat(256)));
    assertThrows(IllegalArgumentException.class, () -> atom("\uD800"));
    assertEquals(atom("café"), Atom.of(new String("café")));
    assertEquals(atom("café").hashCode(), Atom.of("caf" + "é").hashCode());
  }

  @Test
  @DisplayName("integers: one value, one representation, whatever the factory")
  void integers() {
    assertEquals(integer(5), integer(BigInteger.valueOf(5)));
    assertEquals(integer(5).hashCode(), integer(BigInteger.valueOf(5)).hashCode());
    assertTrue(integer(BigInteger.valueOf(Long.MIN_VALUE)).fitsInLong());
    assertFalse(integer(BigInteger.ONE.shiftLeft(63)).fitsInLong());
    assertEquals(BigInteger.ONE.shiftLeft(63), integer(BigInteger.ONE.shiftLeft(63)).bigIntegerValue());
    assertThrows(ArithmeticException.class, () -> integer(BigInteger.ONE.shiftLeft(63)).longValue());
    assertThrows(ArithmeticException.class, () -> integer(1L << 40).intValue());
    assertSame(integer(200), integer(200));
    assertNotEquals(integer(1), Term.floating(1.0));
  }

  @Test
  @DisplayName("floats: finite only; 0.0 and -0.0 differ, as with =:= since OTP 27")
  void floats() {
    assertThrows(IllegalArgumentException.class, () -> Term.floating(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Term.floating(Double.POSITIVE_INFINITY));
    assertNotEquals(Term.floating(0.0), Term.floating(-0.0));
    assertEquals(Term.floating(0.1), Term.floating(0.1));
  }

  @Test
  @DisplayName("binaries and bitstrings copy their input and ignore unused bits")
  void binariesAndBitstrings() {
    byte[] bytes = {1, 2, 3};
    ErlBinary b = binary(bytes);
    bytes[0] = 9;
    assertEquals(1, b.byteAt(0));
    b.bytes()[1] = 9;
    assertEquals(2, b.byteAt(1));
    assertEquals("日本", binary("日本").utf8());
    assertEquals(6, binary("日本").size());
    assertArrayEquals(new byte[] {1, 2, 3}, b.toBuffer().getBytes());
    assertInstanceOf(ErlBinary.class, Term.bitstring(new byte[] {7}, 8));
    assertSame(ErlBinary.EMPTY, Term.bitstring(new byte[0], 0));
    assertEquals(Term.bitstring(new byte[] {(byte) 0b1010_0000}, 3), Term.bitstring(new byte[] {(byte) 0b1011_1111}, 3));
    assertEquals(11L, ((ErlBitString) Term.bitstring(new byte[] {0, 0}, 3)).bitSize());
    assertThrows(IllegalArgumentException.class, () -> ErlBitString.of(new byte[0], 3));
    assertThrows(IllegalArgumentException.class, () -> ErlBitString.of(new byte[] {1}, 8));
  }

  @Test
  @DisplayName("tuples and lists copy their elements and expose unmodifiable views")
  void containersAreImmutable() {
    Term[] elements = {integer(1), integer(2)};
    ErlTuple t = tuple(elements);
    ErlList l = list(elements);
    elements[0] = Atom.OK;
    assertEquals(integer(1), t.get(0));
    assertEquals(integer(1), l.get(0));
    assertThrows(UnsupportedOperationException.class, () -> t.elements().set(0, Atom.OK));
    assertThrows(UnsupportedOperationException.class, () -> l.elements().add(Atom.OK));
    assertThrows(NullPointerException.class, () -> tuple(Atom.OK, null));
    List<Term> source = new ArrayList<>(List.of(integer(1)));
    ErlList fromList = list(source);
    source.add(integer(2));
    assertEquals(1, fromList.size());
    assertSame(ErlList.NIL, list());
    assertSame(ErlTuple.EMPTY, tuple());
  }

  @Test
  @DisplayName("lists are flattened: [1,2|[3]] equals [1,2,3], and [|T] is T")
  void improperLists() {
    assertEquals(list(integer(1), integer(2), integer(3)),
        Term.improperList(List.of(integer(1), integer(2)), list(integer(3))));
    assertEquals(Atom.OK, Term.improperList(List.of(), Atom.OK));
    ErlList improper = (ErlList) Term.improperList(List.of(integer(1)), integer(2));
    assertFalse(improper.isProper());
    assertEquals(integer(2), improper.tail());
    assertSame(ErlList.NIL, list(integer(1)).tail());
    assertNotEquals(improper, list(integer(1), integer(2)));
    assertEquals("hé", Term.charlist("hé").asCharlist());
    assertNull(list(Atom.OK).asCharlist());
  }

  @Test
  @DisplayName("maps keep their order for encoding but compare regardless of it; keys are unique")
  void maps() {
    ErlMap ab = Term.map(atom("a"), integer(1), atom("b"), integer(2));
    ErlMap ba = Term.map(atom("b"), integer(2), atom("a"), integer(1));
    assertEquals(ab, ba);
    assertEquals(ab.hashCode(), ba.hashCode());
    assertEquals(List.of(atom("a"), atom("b")), new ArrayList<>(ab.entries().keySet()));
    assertEquals(integer(2), ab.get(atom("b")));
    assertThrows(IllegalArgumentException.class, () -> Term.map(Atom.OK, Atom.OK, Atom.OK, Atom.ERROR));
    assertThrows(IllegalArgumentException.class, () -> Term.map(Atom.OK));
    Map<Term, Term> source = new LinkedHashMap<>();
    source.put(integer(1), integer(2));
    ErlMap copy = Term.map(source);
    source.put(integer(3), integer(4));
    assertEquals(1, copy.size());
    assertThrows(UnsupportedOperationException.class, () -> copy.entries().put(Atom.OK, Atom.OK));
    assertNotEquals(Etf.encodeToBytes(ab)[8], Etf.encodeToBytes(ba)[8], "encoded in the order given");
  }

  @Test
  @DisplayName("toString prints Erlang syntax, quoting and escaping atoms and strings as Erlang does")
  void printing() {
    assertEquals("ok", atom("ok").toString());
    assertEquals("'end'", atom("end").toString());
    assertEquals("'Caps'", atom("Caps").toString());
    assertEquals("a@b_C1", atom("a@b_C1").toString());
    assertEquals("'it\\'s'", atom("it's").toString());
    assertEquals("'a\\nb'", atom("a\nb").toString());
    assertEquals("'\\001'", atom("\u0001").toString());
    assertEquals("''", atom("").toString());
    assertEquals("{ok,42,<<\"x\">>}", tuple(Atom.OK, integer(42), binary("x")).toString());
    assertEquals("\"hi\\n\"", Term.charlist("hi\n").toString());
    assertEquals("[1,2|3]", Term.improperList(List.of(integer(1), integer(2)), integer(3)).toString());
    assertEquals("[[],{}]", list(list(), tuple()).toString());
    assertEquals("#{a => 1,<<\"k\">> => [x]}", Term.map(atom("a"), integer(1), binary("k"), list(atom("x"))).toString());
    assertEquals("<<\"a\\\"b\">>", binary("a\"b").toString());
    assertEquals("<<0,255>>", binary(new byte[] {0, (byte) 255}).toString());
    assertEquals("<<5:3>>", Term.bitstring(new byte[] {(byte) 0b1010_0000}, 3).toString());
    assertEquals("1.0e-5", Term.floating(1.0e-5).toString());
    assertEquals("-2.5", Term.floating(-2.5).toString());
    assertEquals("-18446744073709551616", integer(BigInteger.ONE.shiftLeft(64).negate()).toString());
  }

  @Test
  @DisplayName("opaque values are only built from well-formed pid, ref, port or fun bytes")
  void opaqueValues() {
    byte[] atomBytes = Erl.body(Etf.encodeToBytes(Atom.OK));
    EtfException e = assertThrows(EtfException.class, () -> ErlOpaque.of(atomBytes));
    assertTrue(e.getMessage().contains("not a pid, reference, port or fun"), e.getMessage());
    assertThrows(EtfException.class, () -> ErlOpaque.of(new byte[0]));
    byte[] pid = Erl.concat(new byte[] {(byte) Tags.NEW_PID_EXT}, atomBytes, new byte[12]);
    ErlOpaque p = ErlOpaque.of(pid);
    assertEquals(ErlOpaque.Kind.PID, p.kind());
    assertEquals("ok", p.node());
    assertEquals("#Pid<ok.0.0>", p.toString());
    assertThrows(EtfException.class, () -> ErlOpaque.of(java.util.Arrays.copyOf(pid, pid.length - 1)));
    assertThrows(EtfException.class, () -> ErlOpaque.of(Erl.concat(pid, new byte[] {0})));
    assertEquals(p, Etf.decode(Etf.encodeToBytes(p)));
  }

  @Test
  @DisplayName("limits: depth 1..2^20, inflate cap >= 0")
  void limits() {
    assertEquals(512, EtfLimits.DEFAULT.maxDepth());
    assertEquals(64 << 20, EtfLimits.DEFAULT.maxInflatedBytes());
    assertEquals(EtfLimits.DEFAULT.withMaxDepth(10), EtfLimits.DEFAULT.withMaxDepth(10));
    assertThrows(IllegalArgumentException.class, () -> EtfLimits.DEFAULT.withMaxDepth(0));
    assertThrows(IllegalArgumentException.class, () -> EtfLimits.DEFAULT.withMaxInflatedBytes(-1));
    Term two = list(list());
    Etf.validate(Etf.encodeToBytes(two), EtfLimits.DEFAULT.withMaxDepth(1)); // [[]]: one list with elements
    assertThrows(EtfException.class, () -> Etf.validate(Etf.encodeToBytes(list(two)), EtfLimits.DEFAULT.withMaxDepth(1)));
  }

  @Test
  @DisplayName("toEtf() is Etf.encodeToBytes")
  void toEtf() {
    Term t = tuple(Atom.OK, list(integer(1)));
    assertArrayEquals(Etf.encodeToBytes(t), t.toEtf());
    assertEquals(t, Etf.decode(t.toEtf()));
  }
}
