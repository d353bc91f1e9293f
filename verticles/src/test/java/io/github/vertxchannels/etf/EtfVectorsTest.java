package io.github.vertxchannels.etf;

import static io.github.vertxchannels.etf.Term.atom;
import static io.github.vertxchannels.etf.Term.binary;
import static io.github.vertxchannels.etf.Term.integer;
import static io.github.vertxchannels.etf.Term.list;
import static io.github.vertxchannels.etf.Term.tuple;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.buffer.Buffer;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Terms encoded by real Erlang/OTP (term_to_binary at test time, in every minor version and
 * compressed) are accepted, decode to the expected values, and re-encode byte for byte; terms
 * encoded in Java decode in Erlang to the expected terms (S-FIX-DECODE).
 */
class EtfVectorsTest {

  /** name -> Erlang expression (ASCII only: the command line's encoding is not ours to choose). */
  private static final Map<String, String> TERMS = new LinkedHashMap<>();
  /** name -> the value it must decode to, when it can be written in Java (not pids, refs, ...). */
  private static final Map<String, Term> EXPECTED = new LinkedHashMap<>();

  private static void v(String name, String erlang, Term expected) {
    TERMS.put(name, erlang);
    if (expected != null) {
      EXPECTED.put(name, expected);
    }
  }

  static {
    v("atom_ok", "ok", Atom.OK);
    v("atom_true", "true", Atom.TRUE);
    v("atom_false", "false", Atom.FALSE);
    v("atom_nil", "nil", atom("nil"));
    v("atom_none", "none", atom("none"));
    v("atom_undefined", "undefined", Atom.UNDEFINED);
    v("atom_empty", "''", atom(""));
    v("atom_quoted", "'Hello World'", atom("Hello World"));
    v("atom_latin1_cafe", "list_to_atom([99,97,102,233])", atom("café"));
    v("atom_utf8_nihon", "list_to_atom([26085,26412])", atom("日本"));
    v("atom_255_ascii", "list_to_atom(lists:duplicate(255, $a))", atom("a".repeat(255)));
    v("atom_255_latin1", "list_to_atom(lists:duplicate(255, 233))", atom("é".repeat(255)));
    v("int_0", "0", integer(0));
    v("int_255", "255", integer(255));
    v("int_256", "256", integer(256));
    v("int_minus_1", "-1", integer(-1));
    v("int_2p31_minus_1", "(1 bsl 31) - 1", integer(Integer.MAX_VALUE));
    v("int_minus_2p31", "-(1 bsl 31)", integer(Integer.MIN_VALUE));
    v("int_2p31", "1 bsl 31", integer(1L << 31));
    v("int_minus_2p31_minus_1", "-(1 bsl 31) - 1", integer(-(1L << 31) - 1));
    v("int_long_max", "(1 bsl 63) - 1", integer(Long.MAX_VALUE));
    v("int_long_min", "-(1 bsl 63)", integer(Long.MIN_VALUE));
    v("int_2p63", "1 bsl 63", integer(BigInteger.ONE.shiftLeft(63)));
    v("int_2p64", "1 bsl 64", integer(BigInteger.ONE.shiftLeft(64)));
    v("int_minus_2p64", "-(1 bsl 64)", integer(BigInteger.ONE.shiftLeft(64).negate()));
    v("int_2p2039", "1 bsl 2039", integer(BigInteger.ONE.shiftLeft(2039)));
    v("int_2p2040", "1 bsl 2040", integer(BigInteger.ONE.shiftLeft(2040)));
    v("int_2p3000", "1 bsl 3000", integer(BigInteger.ONE.shiftLeft(3000)));
    v("int_minus_2p3000", "-(1 bsl 3000)", integer(BigInteger.ONE.shiftLeft(3000).negate()));
    v("float_1_5", "1.5", Term.floating(1.5));
    v("float_neg", "-123.456", Term.floating(-123.456));
    v("float_pi", "math:pi()", Term.floating(Math.PI));
    v("float_big", "1.0e300", Term.floating(1.0e300));
    v("float_min_normal", "2.2250738585072014e-308", Term.floating(Double.MIN_NORMAL));
    v("float_zero", "0.0", Term.floating(0.0));
    v("bin_empty", "<<>>", ErlBinary.EMPTY);
    v("bin_x", "<<\"x\">>", binary("x"));
    v("bin_bytes", "<<0,1,2,255>>", binary(new byte[] {0, 1, 2, (byte) 255}));
    v("bin_utf8", "unicode:characters_to_binary([26085,26412])", binary("日本"));
    v("bin_1k", "binary:copy(<<\"ab\">>, 512)", binary("ab".repeat(512)));
    v("bits_1_3", "<<1:3>>", Term.bitstring(new byte[] {(byte) 0b0010_0000}, 3));
    v("bits_13", "<<255, 7:5>>", Term.bitstring(new byte[] {(byte) 255, (byte) 0b0011_1000}, 5));
    v("str_hello", "\"hello\"", Term.charlist("hello"));
    v("str_bytes", "[0,255,10]", list(integer(0), integer(255), integer(10)));
    v("str_65535", "lists:duplicate(65535, $a)", list(Collections.nCopies(65535, integer('a'))));
    v("list_nil", "[]", ErlList.NIL);
    v("list_65536", "lists:duplicate(65536, 1)", list(Collections.nCopies(65536, integer(1))));
    v("list_mixed", "[1, a, <<\"b\">>, 2.0]", list(integer(1), atom("a"), binary("b"), Term.floating(2.0)));
    v("list_unicode", "[26085,26412]", Term.charlist("日本"));
    v("list_negative", "[-1, 1]", list(integer(-1), integer(1)));
    v("list_nested", "[[1],[2,[3]]]", list(list(integer(1)), list(integer(2), list(integer(3)))));
    v("list_of_nil", "[[]]", list(ErlList.NIL));
    v("list_improper", "[1,2|3]", Term.improperList(List.of(integer(1), integer(2)), integer(3)));
    v("list_improper_atom", "[a|b]", Term.improperList(List.of(atom("a")), atom("b")));
    v("tuple_empty", "{}", ErlTuple.EMPTY);
    v("tuple_ok", "{ok, 42, <<\"x\">>}", tuple(Atom.OK, integer(42), binary("x")));
    v("tuple_nested", "{a, {b, {c}}}", tuple(atom("a"), tuple(atom("b"), tuple(atom("c")))));
    List<Term> seq300 = new ArrayList<>();
    for (int i = 1; i <= 300; i++) {
      seq300.add(integer(i));
    }
    v("tuple_300", "list_to_tuple(lists:seq(1, 300))", tuple(seq300));
    v("map_empty", "#{}", ErlMap.EMPTY);
    v("map_one", "#{a => 1}", Term.map(atom("a"), integer(1)));
    v("map_nested", "#{a => #{b => [1,2]}, <<\"k\">> => {x}}",
        Term.map(atom("a"), Term.map(atom("b"), list(integer(1), integer(2))), binary("k"), tuple(atom("x"))));
    v("map_int_keys", "#{1 => one, 2 => two, 3 => three}",
        Term.map(integer(1), atom("one"), integer(2), atom("two"), integer(3), atom("three")));
    v("map_bin_keys", "#{<<\"a\">> => 1, <<\"b\">> => 2}", Term.map(binary("a"), integer(1), binary("b"), integer(2)));
    v("map_similar_keys", "#{1 => a, 1.0 => b, \"1\" => c, <<\"1\">> => d, '1' => e, {1} => f, [1] => g, [[1]] => h,"
        + " [1|[]] => i2, <<1:7>> => j, -1 => k, 1 bsl 64 => l}", null);
    v("map_map_keys", "#{#{a => 1} => x, #{a => 2} => y, #{b => 1} => z}", Term.map(
        Term.map(atom("a"), integer(1)), atom("x"), Term.map(atom("a"), integer(2)), atom("y"),
        Term.map(atom("b"), integer(1)), atom("z")));
    Map<Term, Term> squares = new LinkedHashMap<>();
    for (int i = 1; i <= 100; i++) {
      squares.put(integer(i), integer((long) i * i));
    }
    v("map_100", "maps:from_list([{I, I * I} || I <- lists:seq(1, 100)])", Term.map(squares));
    v("pid", "self()", null);
    v("ref", "make_ref()", null);
    v("port", "hd(erlang:ports())", null);
    v("fun_closure", "fun() -> ok end", null);
    v("fun_with_env", "begin X = {1, <<\"env\">>}, fun(Y) -> {X, Y} end end", null);
    v("fun_export", "fun erlang:abs/1", null);
    v("tuple_of_opaques", "{self(), make_ref(), fun lists:map/2}", null);
    v("deep_500", "lists:foldl(fun(_, A) -> [A] end, [], lists:seq(1, 500))", null);
    v("seq_1000", "lists:seq(1, 1000)", null);
    v("compressible_tuple", "{binary:copy(<<\"z\">>, 4000), lists:duplicate(200, hello)}", null);
  }

  /** Vectors holding pids, refs, ports or funs: opaque values keep (and compare by) their exact bytes. */
  private static final java.util.Set<String> OPAQUE = java.util.Set.of("pid", "ref", "port", "fun_closure",
      "fun_with_env", "fun_export", "tuple_of_opaques");

  private static Map<String, Erl.Vector> vectors;

  @BeforeAll
  static void produceVectorsWithErlang() {
    vectors = Erl.vectors(TERMS);
  }

  @Test
  @DisplayName("S-FIX-DECODE: every term_to_binary output (minor versions 0-2, compressed) is accepted")
  void everyErlangEncodingIsAccepted() {
    for (Erl.Vector v : vectors.values()) {
      v.encodings().forEach((how, bytes) -> {
        try {
          Etf.validate(bytes);
          Etf.validate(Buffer.buffer(bytes));
        } catch (EtfException e) {
          fail(v.name() + " (" + how + ") refused: " + e.getMessage());
        }
      });
    }
  }

  @Test
  @DisplayName("every encoding of a term decodes to the expected value")
  void decodesToTheExpectedValues() {
    for (Erl.Vector v : vectors.values()) {
      Term reference = Etf.decode(v.mv2());
      if (!OPAQUE.contains(v.name())) {
        v.encodings().forEach((how, bytes) -> assertEquals(reference, Etf.decode(bytes), v.name() + " (" + how + ")"));
      }
      Term expected = EXPECTED.get(v.name());
      if (expected != null) {
        assertEquals(expected, reference, v.name());
        assertEquals(expected.hashCode(), reference.hashCode(), v.name());
      }
    }
  }

  @Test
  @DisplayName("encode(decode(bytes)) equals term_to_binary(T, [{minor_version, 2}]) byte for byte")
  void reEncodingIsByteEqualToErlang() {
    for (Erl.Vector v : vectors.values()) {
      assertEquals(Erl.hex(v.mv2()), Erl.hex(Etf.encodeToBytes(Etf.decode(v.mv2()))), v.name());
      // Opaque values keep the bytes they were decoded from (OTP 25 writes node names as ATOM_EXT by default).
      byte[] expected = OPAQUE.contains(v.name()) ? v.dflt() : v.mv2();
      assertEquals(Erl.hex(expected), Erl.hex(Etf.encode(Etf.decode(Buffer.buffer(v.dflt()))).getBytes()), v.name());
    }
  }

  @Test
  @DisplayName("values built in Java encode exactly like term_to_binary(T, [{minor_version, 2}])")
  void javaValuesEncodeLikeErlang() {
    for (Map.Entry<String, Term> e : EXPECTED.entrySet()) {
      if (e.getKey().equals("map_100")) {
        continue; // a map of more than 32 keys is written in Erlang's hash order, not the order given
      }
      assertEquals(Erl.hex(vectors.get(e.getKey()).mv2()), Erl.hex(Etf.encodeToBytes(e.getValue())), e.getKey());
    }
  }

  @Test
  @DisplayName("pids, refs, ports and funs decode to opaque values that keep their exact bytes")
  void opaqueValuesRoundTripByteExact() {
    Map<String, ErlOpaque.Kind> kinds = Map.of("pid", ErlOpaque.Kind.PID, "ref", ErlOpaque.Kind.REF, "port",
        ErlOpaque.Kind.PORT, "fun_closure", ErlOpaque.Kind.FUN, "fun_with_env", ErlOpaque.Kind.FUN, "fun_export",
        ErlOpaque.Kind.FUN);
    kinds.forEach((name, kind) -> {
      Erl.Vector v = vectors.get(name);
      for (byte[] bytes : List.of(v.dflt(), v.mv2())) {
        ErlOpaque o = assertInstanceOf(ErlOpaque.class, Etf.decode(bytes), name);
        assertEquals(kind, o.kind(), name);
        assertArrayEquals(Erl.body(bytes), o.bytes(), name);
        assertArrayEquals(bytes, Etf.encodeToBytes(o), name);
        assertEquals(o, ErlOpaque.of(Erl.body(bytes)), name);
      }
    });
    assertEquals("nonode@nohost", ((ErlOpaque) Etf.decode(vectors.get("pid").mv2())).node());
    assertTrue(Etf.decode(vectors.get("pid").mv2()).toString().startsWith("#Pid<nonode@nohost."));
    assertTrue(Etf.decode(vectors.get("ref").mv2()).toString().startsWith("#Ref<nonode@nohost."));
    assertTrue(Etf.decode(vectors.get("port").mv2()).toString().startsWith("#Port<nonode@nohost."));
    assertEquals("fun erlang:abs/1", Etf.decode(vectors.get("fun_export").mv2()).toString());
    assertTrue(Etf.decode(vectors.get("fun_closure").mv2()).toString().startsWith("#Fun<erl_eval."));
    ErlTuple t = (ErlTuple) Etf.decode(vectors.get("tuple_of_opaques").mv2());
    assertEquals(List.of(ErlOpaque.Kind.PID, ErlOpaque.Kind.REF, ErlOpaque.Kind.FUN),
        t.elements().stream().map(e -> ((ErlOpaque) e).kind()).toList());
  }

  @Test
  @DisplayName("compressed terms (tag 80) inflate and decode to the uncompressed term")
  void compressedTermsDecode() {
    for (String name : List.of("seq_1000", "compressible_tuple", "str_65535", "list_65536")) {
      Erl.Vector v = vectors.get(name);
      assertEquals(80, v.compressed()[1] & 0xFF, name + " is compressed by Erlang");
      assertEquals(Etf.decode(v.dflt()), Etf.decode(v.compressed()), name);
    }
    List<Term> seq = new ArrayList<>();
    for (int i = 1; i <= 1000; i++) {
      seq.add(integer(i));
    }
    assertEquals(list(seq), Etf.decode(vectors.get("seq_1000").compressed()));
  }

  @Test
  @DisplayName("Latin-1 atoms (minor_version 1, ATOM_EXT) equal their UTF-8 form")
  void latin1AtomsDecode() {
    byte[] mv1 = vectors.get("atom_latin1_cafe").mv1();
    assertEquals(100, mv1[1] & 0xFF, "Erlang writes 'café' as ATOM_EXT with minor_version 1");
    assertEquals(atom("café"), Etf.decode(mv1));
    assertEquals(118, vectors.get("atom_255_latin1").mv2()[1] & 0xFF, "510 UTF-8 bytes need ATOM_UTF8_EXT");
  }

  @Test
  @DisplayName("FLOAT_EXT (minor_version 0) decodes to the same double as NEW_FLOAT_EXT")
  void oldFloatsDecode() {
    for (String name : List.of("float_1_5", "float_neg", "float_pi", "float_big", "float_min_normal", "float_zero")) {
      Erl.Vector v = vectors.get(name);
      assertEquals(99, v.mv0()[1] & 0xFF, name);
      assertEquals(Etf.decode(v.mv2()), Etf.decode(v.mv0()), name);
    }
  }

  @Test
  @DisplayName("500 nested lists are within the default depth limit")
  void deepNestingWithinTheLimitIsAccepted() {
    Term t = Etf.decode(vectors.get("deep_500").mv2());
    int depth = 0;
    while (t instanceof ErlList l && !l.isEmpty()) {
      t = l.get(0);
      depth++;
    }
    assertEquals(500, depth);
  }

  @Test
  @DisplayName("toString prints Erlang syntax")
  void toStringPrintsErlangSyntax() {
    Map<String, String> printed = new LinkedHashMap<>();
    printed.put("tuple_ok", "{ok,42,<<\"x\">>}");
    printed.put("list_improper", "[1,2|3]");
    printed.put("str_hello", "\"hello\"");
    printed.put("map_nested", "#{a => #{b => [1,2]},<<\"k\">> => {x}}");
    printed.put("atom_quoted", "'Hello World'");
    printed.put("atom_empty", "''");
    printed.put("atom_latin1_cafe", "café");
    printed.put("atom_utf8_nihon", "'日本'");
    printed.put("bits_1_3", "<<1:3>>");
    printed.put("bits_13", "<<255,7:5>>");
    printed.put("bin_bytes", "<<0,1,2,255>>");
    printed.put("bin_utf8", "<<\"日本\"/utf8>>");
    printed.put("int_2p64", "18446744073709551616");
    printed.put("float_1_5", "1.5");
    printed.put("float_big", "1.0e300");
    printed.put("list_nil", "[]");
    printed.put("tuple_empty", "{}");
    printed.put("map_empty", "#{}");
    printed.forEach((name, text) -> assertEquals(text, Etf.decode(vectors.get(name).mv2()).toString(), name));
  }

  @Test
  @DisplayName("terms encoded in Java decode in Erlang to the expected term, byte-equal to term_to_binary")
  void javaEncodedTermsDecodeInErlang() {
    Map<String, Term> javaTerms = new LinkedHashMap<>();
    Map<String, String> erlang = new LinkedHashMap<>();
    javaTerms.put("tuple_ok", tuple(Atom.OK, integer(42), binary("x")));
    erlang.put("tuple_ok", "{ok, 42, <<\"x\">>}");
    javaTerms.put("improper", Term.improperList(List.of(integer(1), integer(2)), integer(3)));
    erlang.put("improper", "[1,2|3]");
    javaTerms.put("map", Term.map(atom("a"), integer(1)));
    erlang.put("map", "#{a => 1}");
    // In Erlang's term order (numbers < atoms < binaries), which is how term_to_binary writes small maps.
    javaTerms.put("map3", Term.map(integer(5), list(), atom("z"), integer(1), binary("k"), ErlTuple.EMPTY));
    erlang.put("map3", "#{z => 1, 5 => [], <<\"k\">> => {}}");
    javaTerms.put("cafe", atom("café"));
    erlang.put("cafe", "list_to_atom([99,97,102,233])");
    javaTerms.put("nihon", atom("日本"));
    erlang.put("nihon", "list_to_atom([26085,26412])");
    javaTerms.put("big", integer(BigInteger.ONE.shiftLeft(3000)));
    erlang.put("big", "1 bsl 3000");
    javaTerms.put("neg_2p64", integer(BigInteger.ONE.shiftLeft(64).negate()));
    erlang.put("neg_2p64", "-(1 bsl 64)");
    javaTerms.put("long_min", integer(Long.MIN_VALUE));
    erlang.put("long_min", "-(1 bsl 63)");
    javaTerms.put("float", Term.floating(-0.1));
    erlang.put("float", "-0.1");
    javaTerms.put("charlist", Term.charlist("hello"));
    erlang.put("charlist", "\"hello\"");
    javaTerms.put("unicode_list", Term.charlist("日本"));
    erlang.put("unicode_list", "[26085,26412]");
    javaTerms.put("bits", Term.bitstring(new byte[] {(byte) 0xFF, (byte) 0xFF}, 3));
    erlang.put("bits", "<<255, 7:3>>");
    javaTerms.put("tuple_300", tuple(IntStream.rangeClosed(1, 300).mapToObj(Term::integer).toList()));
    erlang.put("tuple_300", "list_to_tuple(lists:seq(1, 300))");
    javaTerms.put("nested", list(tuple(), list(list()), Term.map(), ErlBinary.EMPTY, atom("true")));
    erlang.put("nested", "[{}, [[]], #{}, <<>>, true]");

    Map<String, byte[]> inputs = new LinkedHashMap<>();
    javaTerms.forEach((name, term) -> inputs.put(name, Etf.encodeToBytes(term)));
    StringBuilder cases = new StringBuilder("case Name of ");
    erlang.forEach((name, expr) -> cases.append("<<\"").append(name).append("\">> -> (").append(expr).append("); "));
    cases.setLength(cases.length() - 2);
    cases.append(" end");
    // For each: does binary_to_term give the expected term, and is our encoding term_to_binary's?
    Map<String, String> answers = Erl.each(inputs, "begin Expected = " + cases + ", "
        + "{binary_to_term(B) =:= Expected, B =:= term_to_binary(Expected, [{minor_version, 2}])} end");
    answers.forEach((name, answer) -> assertEquals("{true,true}", answer, name + ": " + javaTerms.get(name)));
  }
}
