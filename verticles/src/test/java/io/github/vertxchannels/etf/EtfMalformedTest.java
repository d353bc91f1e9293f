package io.github.vertxchannels.etf;

import static io.github.vertxchannels.etf.Erl.concat;
import static io.github.vertxchannels.etf.Tags.*;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.buffer.Buffer;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.zip.Deflater;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Malformed input is refused with an {@link EtfException} (never another exception, never a stack
 * overflow, never a large allocation), and the validator agrees with Erlang's binary_to_term
 * (S-FIX-DECODE).
 */
class EtfMalformedTest {

  private static final Map<String, String> TERMS = new LinkedHashMap<>();

  static {
    TERMS.put("tuple_ok", "{ok, 42, <<\"x\">>}");
    TERMS.put("atoms", "[ok, list_to_atom([99,97,102,233]), list_to_atom([26085,26412]), '']");
    TERMS.put("atom_255", "list_to_atom(lists:duplicate(255, $a))");
    TERMS.put("atom_255_utf8", "list_to_atom(lists:duplicate(255, 233))");
    TERMS.put("ints", "[0, 255, 256, -1, 1 bsl 31, -(1 bsl 31), 1 bsl 64, -(1 bsl 64)]");
    TERMS.put("big", "1 bsl 3000");
    TERMS.put("floats", "[1.5, -0.1, 1.0e300]");
    TERMS.put("binaries", "{<<>>, <<\"x\">>, <<1:3>>, <<255, 7:5>>}");
    TERMS.put("strings", "{\"hello\", [1, 2 | 3], [a | b], [26085]}");
    TERMS.put("list", "[1, a]");
    TERMS.put("tuple_300", "list_to_tuple(lists:seq(1, 300))");
    TERMS.put("maps", "#{1 => one, 2 => two, 3 => three}");
    TERMS.put("map_nested", "#{a => #{b => [1,2]}, <<\"k\">> => {x}, {t} => 1.0}");
    TERMS.put("opaques", "{self(), make_ref(), hd(erlang:ports()), fun erlang:abs/1}");
    TERMS.put("fun", "begin X = {1, <<\"env\">>}, fun(Y) -> {X, Y} end end");
    TERMS.put("seq_1000", "lists:seq(1, 1000)");
    TERMS.put("deep_100", "lists:foldl(fun(_, A) -> [A] end, [], lists:seq(1, 100))");
    TERMS.put("mixed", "[{a, #{1 => [2.5, <<\"b\">>]}}, {<<9:4>>, \"str\", 1 bsl 70}, make_ref()]");
  }

  private static Map<String, Erl.Vector> vectors;

  @BeforeAll
  static void produceVectorsWithErlang() {
    vectors = Erl.vectors(TERMS);
  }

  private static byte[] mv2(String name) {
    return vectors.get(name).mv2().clone();
  }

  /** Runs the check, failing on any throwable other than EtfException; returns it (or null). */
  private static EtfException refusal(Runnable check) {
    try {
      check.run();
      return null;
    } catch (EtfException e) {
      return e;
    } catch (Throwable t) {
      throw new AssertionError("expected an EtfException or success, got " + t, t);
    }
  }

  private static EtfException refused(byte[] bytes) {
    EtfException v = refusal(() -> Etf.validate(bytes));
    EtfException d = refusal(() -> Etf.decode(bytes));
    if (v == null || d == null) {
      fail("accepted: " + Erl.hex(bytes));
    }
    assertEquals(v.getMessage(), d.getMessage(), "validate and decode give the same reason");
    return v;
  }

  private static void refusedWith(byte[] bytes, String fragment) {
    String message = refused(bytes).getMessage();
    assertTrue(message.contains(fragment), "message \"" + message + "\" should contain \"" + fragment + "\"");
  }

  /** Bytes allocated by this thread while running the supplier. */
  private static long allocatedBy(Runnable r) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = mx.getCurrentThreadAllocatedBytes();
    r.run();
    return mx.getCurrentThreadAllocatedBytes() - before;
  }

  @Test
  @DisplayName("S-FIX-DECODE: every vector truncated at every length is refused with EtfException")
  void everyTruncationIsRefused() {
    int checked = 0;
    for (Erl.Vector v : vectors.values()) {
      for (Map.Entry<String, byte[]> e : v.encodings().entrySet()) {
        byte[] bytes = e.getValue();
        for (int len = 0; len < bytes.length; len++) {
          final int n = len;
          EtfException ex = refusal(() -> Etf.validate(bytes, 0, n, EtfLimits.DEFAULT));
          if (ex == null) {
            fail(v.name() + " (" + e.getKey() + ") truncated to " + n + " bytes was accepted");
          }
          if (len % 7 == 0 && refusal(() -> Etf.decode(bytes, 0, n, EtfLimits.DEFAULT)) == null) {
            fail(v.name() + " (" + e.getKey() + ") truncated to " + n + " bytes was decoded");
          }
          checked++;
        }
      }
    }
    assertTrue(checked > 10_000, "checked " + checked + " prefixes");
  }

  @Test
  @DisplayName("S-FIX-DECODE: random byte mutations give EtfException or a value, and agree with binary_to_term")
  void randomMutationsAgreeWithErlang() {
    // Fixed by default so that failures reproduce; override to explore (-Detf.fuzz.seed=..., -Detf.fuzz.count=...).
    Random random = new Random(Long.getLong("etf.fuzz.seed", 20240531L));
    int count = Integer.getInteger("etf.fuzz.count", 4000);
    List<byte[]> sources = new ArrayList<>();
    for (Erl.Vector v : vectors.values()) {
      sources.add(v.mv2());
      sources.add(v.dflt());
      if ((v.compressed()[1] & 0xFF) == COMPRESSED) {
        sources.add(v.compressed());
      }
    }
    Map<String, byte[]> toErlang = new LinkedHashMap<>();
    Map<String, String> ourReasons = new LinkedHashMap<>();
    int accepted = 0;
    for (int i = 0; i < count; i++) {
      byte[] bytes = sources.get(random.nextInt(sources.size())).clone();
      int mutations = 1 + (i % 5 == 0 ? random.nextInt(3) : 0);
      for (int m = 0; m < mutations; m++) {
        int at = random.nextInt(bytes.length);
        int old = bytes[at];
        do {
          bytes[at] = (byte) (random.nextInt(4) == 0 ? old + random.nextInt(5) - 2 : random.nextInt(256));
        } while (bytes[at] == old);
      }
      EtfException v = refusal(() -> Etf.validate(bytes));
      Term[] decoded = new Term[1];
      EtfException d = refusal(() -> decoded[0] = Etf.decode(Buffer.buffer(bytes)));
      assertEquals(v == null, d == null, "validate and decode agree on " + Erl.hex(bytes));
      byte[] ours = new byte[0];
      if (v == null) {
        accepted++;
        ours = Etf.encodeToBytes(decoded[0]);
        Etf.validate(ours);
        assertEquals(decoded[0], Etf.decode(ours), "re-encoding decodes to the same value");
        assertDoesNotThrow(decoded[0]::toString);
      } else {
        ourReasons.put("m" + i, v.getMessage());
      }
      toErlang.put("m" + i, concat(ByteBuffer.allocate(4).putInt(bytes.length).array(), bytes, ours));
    }
    Map<String, String> erlang = Erl.each(toErlang, """
        begin <<Len:32, X:Len/binary, Y/binary>> = B,
          case Y of
            <<>> -> try binary_to_term(X) of _ -> erl_accepts catch _:_ -> erl_refuses end;
            _ -> binary_to_term(X) =:= binary_to_term(Y)
          end
        end""");
    Map<String, Integer> stricter = new TreeMap<>();
    erlang.forEach((name, answer) -> {
      String reason = ourReasons.get(name);
      if (reason == null) {
        if (!answer.equals("true") && namesTheDecodingNode(toErlang.get(name))) {
          stricter.merge("(Erlang stricter) identifiers naming the decoding node itself", 1, Integer::sum);
          return;
        }
        assertEquals("true", answer, name + ": we accepted, so binary_to_term must give the same term: "
            + Erl.hex(toErlang.get(name)));
      } else if (answer.equals("erl_accepts")) {
        String category = strictnessCategory(reason);
        if (category == null) {
          fail("we refuse what binary_to_term accepts, for an undocumented reason: " + reason + " in "
              + Erl.hex(Arrays.copyOfRange(toErlang.get(name), 4, toErlang.get(name).length)));
        }
        stricter.merge(category, 1, Integer::sum);
      } else {
        assertEquals("erl_refuses", answer, name);
      }
    });
    System.out.printf("mutations: %d accepted (all equal in Erlang), %d refused; refused but accepted by Erlang "
        + "(documented strictness): %s%n", accepted, ourReasons.size(), stricter);
    assertTrue(accepted > 100 && ourReasons.size() > 1000, "the mutations exercise both outcomes");
  }

  /**
   * Whether the bytes hold a pid, port or reference of {@code nonode@nohost}: the erl node decoding
   * them (not in distribution) is that node, and holds its own identifiers in a narrower internal
   * form than the format allows (see the Etf class comment). Our re-encoding keeps opaque bytes, so
   * a plain search is enough.
   */
  private static boolean namesTheDecodingNode(byte[] lengthOriginalOurs) {
    String text = new String(lengthOriginalOurs, java.nio.charset.StandardCharsets.ISO_8859_1);
    return text.contains("nonode@nohost");
  }

  /** Where we are knowingly stricter than binary_to_term (see the Etf class comment), else null. */
  private static String strictnessCategory(String reason) {
    if (reason.startsWith("trailing bytes")) {
      return "trailing bytes";
    }
    if (reason.contains("declares a size of") || reason.matches("truncated NEW_FUN_EXT at offset \\d+: declares .*")) {
      return "NEW_FUN_EXT size";
    }
    if (reason.contains("needs a SMALL_INTEGER_EXT or INTEGER_EXT") || reason.contains("needs the creator's pid")) {
      return "fun/export field encodings";
    }
    if (reason.contains("is internal to the node that wrote it")) {
      return "node-internal tags 73-76";
    }
    if (reason.contains("NUL-terminated")) {
      return "FLOAT_EXT without NUL";
    }
    return null;
  }

  @Test
  @DisplayName("S-FIX-DECODE: hand-built edge cases get the same verdict (and value) as binary_to_term")
  void edgeCasesAgreeWithErlang() {
    Map<String, byte[]> both = new LinkedHashMap<>(); // accepted by both, to the same value
    Map<String, byte[]> neither = new LinkedHashMap<>(); // refused by both
    Map<String, byte[]> stricter = new LinkedHashMap<>(); // refused by us only, on purpose
    byte[] one = {(byte) SMALL_INTEGER_EXT, 1};
    byte[] oneAsInteger = {(byte) INTEGER_EXT, 0, 0, 0, 1};
    byte[] oneAsBig = {(byte) SMALL_BIG_EXT, 2, 0, 1, 0};
    byte[] atomA = {(byte) SMALL_ATOM_UTF8_EXT, 1, 'a'};
    byte[] atomALatin1 = {(byte) ATOM_EXT, 0, 1, 'a'};
    byte[] stringAb = {(byte) STRING_EXT, 0, 2, 'a', 'b'};
    byte[] listAb = {(byte) LIST_EXT, 0, 0, 0, 1, (byte) SMALL_INTEGER_EXT, 'a', (byte) LIST_EXT, 0, 0, 0, 1,
        (byte) SMALL_INTEGER_EXT, 'b', (byte) NIL_EXT};
    byte[] binX = {(byte) BINARY_EXT, 0, 0, 0, 1, 'x'};
    byte[] bitsX = {(byte) BIT_BINARY_EXT, 0, 0, 0, 1, 8, 'x'};
    byte[] map2 = {VERSION_, (byte) MAP_EXT, 0, 0, 0, 2};
    both.put("map_distinct", concat(map2, one, atomA, concat(new byte[] {(byte) SMALL_INTEGER_EXT, 2}), atomA));
    neither.put("map_dup_same", concat(map2, one, atomA, one, atomA));
    neither.put("map_dup_int_encodings", concat(map2, one, atomA, oneAsInteger, atomA));
    neither.put("map_dup_big_encoding", concat(map2, oneAsBig, atomA, one, atomA));
    neither.put("map_dup_atom_encodings", concat(map2, atomA, one, atomALatin1, one));
    neither.put("map_dup_list_encodings", concat(map2, stringAb, one, listAb, one));
    neither.put("map_dup_binary_encodings", concat(map2, binX, one, bitsX, one));
    neither.put("map_dup_in_3", concat(new byte[] {VERSION_, (byte) MAP_EXT, 0, 0, 0, 3}, atomA, one,
        new byte[] {(byte) NIL_EXT}, one, atomALatin1, one));
    both.put("map_keys_1_and_1_0", concat(map2, one, one, new byte[] {(byte) NEW_FLOAT_EXT, 0x3F, (byte) 0xF0, 0, 0,
        0, 0, 0, 0}, one));
    both.put("map_keys_tuple_vs_list", concat(map2, new byte[] {(byte) SMALL_TUPLE_EXT, 1}, one, one,
        new byte[] {(byte) LIST_EXT, 0, 0, 0, 1}, one, new byte[] {(byte) NIL_EXT}, one));
    byte[] v = {VERSION_};
    both.put("bits_len0_bits0", concat(v, new byte[] {(byte) BIT_BINARY_EXT, 0, 0, 0, 0, 0}));
    both.put("bits_8_is_binary", concat(v, bitsX));
    both.put("bits_dirty_trailing_bits", concat(v, new byte[] {(byte) BIT_BINARY_EXT, 0, 0, 0, 1, 3, (byte) 0xFF}));
    neither.put("bits_len1_bits0", concat(v, new byte[] {(byte) BIT_BINARY_EXT, 0, 0, 0, 1, 0, 5}));
    neither.put("bits_len0_bits3", concat(v, new byte[] {(byte) BIT_BINARY_EXT, 0, 0, 0, 0, 3}));
    neither.put("bits_9", concat(v, new byte[] {(byte) BIT_BINARY_EXT, 0, 0, 0, 1, 9, 5}));
    neither.put("float_nan", concat(v, new byte[] {(byte) NEW_FLOAT_EXT, 0x7F, (byte) 0xF8, 0, 0, 0, 0, 0, 0}));
    neither.put("float_inf", concat(v, new byte[] {(byte) NEW_FLOAT_EXT, (byte) 0xFF, (byte) 0xF0, 0, 0, 0, 0, 0, 0}));
    both.put("float_neg_zero", concat(v, new byte[] {(byte) NEW_FLOAT_EXT, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0}));
    both.put("float_text", concat(v, floatText("1.5e+00")));
    both.put("float_text_comma", concat(v, floatText("-2,25")));
    stricter.put("float_text_no_nul", concat(v, floatText("1.000000000000000000000000000000"), new byte[] {0}));
    both.put("float_text_underflow", concat(v, floatText("1.0e-999")));
    neither.put("float_text_overflow", concat(v, floatText("1.0e999")));
    neither.put("float_text_no_point", concat(v, floatText("15")));
    neither.put("float_text_space", concat(v, floatText(" 1.5")));
    neither.put("float_text_nan", concat(v, floatText("nan")));
    neither.put("atom_latin1_256", concat(v, new byte[] {(byte) ATOM_EXT, 1, 0}, repeat('a', 256)));
    both.put("atom_latin1_255", concat(v, new byte[] {(byte) ATOM_EXT, 0, (byte) 255}, repeat('a', 255)));
    byte[] e256 = new byte[512];
    for (int i = 0; i < 512; i += 2) {
      e256[i] = (byte) 0xC3;
      e256[i + 1] = (byte) 0xA9;
    }
    neither.put("atom_utf8_256_chars", concat(v, new byte[] {(byte) ATOM_UTF8_EXT, 2, 0}, e256));
    neither.put("atom_utf8_bad_continuation", concat(v, new byte[] {(byte) SMALL_ATOM_UTF8_EXT, 2, (byte) 0xC3, 0x28}));
    neither.put("atom_utf8_overlong", concat(v, new byte[] {(byte) SMALL_ATOM_UTF8_EXT, 2, (byte) 0xC0, (byte) 0xAF}));
    neither.put("atom_utf8_surrogate", concat(v, new byte[] {(byte) SMALL_ATOM_UTF8_EXT, 3, (byte) 0xED, (byte) 0xA0,
        (byte) 0x80}));
    neither.put("atom_utf8_truncated_char", concat(v, new byte[] {(byte) SMALL_ATOM_UTF8_EXT, 1, (byte) 0xC3}));
    both.put("atom_utf8_4_byte_char", concat(v, new byte[] {(byte) SMALL_ATOM_UTF8_EXT, 4, (byte) 0xF0, (byte) 0x9F,
        (byte) 0x98, (byte) 0x80}));
    both.put("big_sign_2", concat(v, new byte[] {(byte) SMALL_BIG_EXT, 1, 2, 5}));
    both.put("big_empty", concat(v, new byte[] {(byte) SMALL_BIG_EXT, 0, 0}));
    both.put("big_negative_zero", concat(v, new byte[] {(byte) SMALL_BIG_EXT, 1, 1, 0}));
    both.put("big_leading_zeros", concat(v, new byte[] {(byte) LARGE_BIG_EXT, 0, 0, 0, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0}));
    both.put("big_long_min", concat(v, new byte[] {(byte) SMALL_BIG_EXT, 8, 1, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80}));
    both.put("list_0_is_its_tail", concat(v, new byte[] {(byte) LIST_EXT, 0, 0, 0, 0, (byte) SMALL_INTEGER_EXT, 5}));
    both.put("list_tail_is_list", concat(v, new byte[] {(byte) LIST_EXT, 0, 0, 0, 1}, one, stringAb));
    both.put("string_0", concat(v, new byte[] {(byte) STRING_EXT, 0, 0}));
    byte[] node = {(byte) SMALL_ATOM_UTF8_EXT, 1, 'n'};
    both.put("pid_old", concat(v, new byte[] {(byte) PID_EXT}, node, new byte[] {0, 0, 0, 1, 0, 0, 0, 0, 3}));
    neither.put("pid_old_creation_4", concat(v, new byte[] {(byte) PID_EXT}, node, new byte[] {0, 0, 0, 1, 0, 0, 0, 0,
        4}));
    neither.put("pid_node_not_atom", concat(v, new byte[] {(byte) PID_EXT}, one, new byte[] {0, 0, 0, 1, 0, 0, 0, 0,
        0}));
    both.put("port_v4", concat(v, new byte[] {(byte) V4_PORT_EXT}, node, new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, 0,
        0, 0, 1}));
    neither.put("port_old_creation_4", concat(v, new byte[] {(byte) PORT_EXT}, node, new byte[] {0, 0, 0, 1, 4}));
    both.put("ref_old", concat(v, new byte[] {(byte) REFERENCE_EXT}, node, new byte[] {0, 3, -1, -1, 3}));
    neither.put("ref_old_wide_id", concat(v, new byte[] {(byte) REFERENCE_EXT}, node, new byte[] {0, 4, 0, 0, 0}));
    neither.put("ref_new_0_words", concat(v, new byte[] {(byte) NEW_REFERENCE_EXT, 0, 0}, node, new byte[] {0}));
    neither.put("ref_new_6_words", concat(v, new byte[] {(byte) NEW_REFERENCE_EXT, 0, 6}, node, new byte[25]));
    both.put("ref_newer_0_words", concat(v, new byte[] {(byte) NEWER_REFERENCE_EXT, 0, 0}, node, new byte[4]));
    both.put("ref_newer_5_words", concat(v, new byte[] {(byte) NEWER_REFERENCE_EXT, 0, 5}, node, new byte[24]));
    neither.put("ref_newer_6_words", concat(v, new byte[] {(byte) NEWER_REFERENCE_EXT, 0, 6}, node, new byte[28]));
    byte[] mod = {(byte) SMALL_ATOM_UTF8_EXT, 1, 'm'};
    byte[] fn = {(byte) SMALL_ATOM_UTF8_EXT, 1, 'f'};
    both.put("export_arity_256", concat(v, new byte[] {(byte) EXPORT_EXT}, mod, fn, new byte[] {(byte) INTEGER_EXT, 0,
        0, 1, 0}));
    neither.put("export_arity_negative", concat(v, new byte[] {(byte) EXPORT_EXT}, mod, fn, new byte[] {
        (byte) INTEGER_EXT, -1, -1, -1, -1}));
    neither.put("tuple_arity_bomb", concat(v, new byte[] {(byte) LARGE_TUPLE_EXT, -1, -1, -1, -1}, one));
    neither.put("compressed_nested", concat(v, compress(vectors.get("seq_1000").compressed(), 1)));
    byte[] seqCompressed = vectors.get("seq_1000").compressed();
    byte[] lying = seqCompressed.clone();
    lying[5]++;
    neither.put("compressed_size_plus_1", lying);
    // Node-dependent: well-formed, accepted by a distributed node, refused by the undistributed erl
    // because it names that very node (see the Etf class comment).
    Map<String, byte[]> nodeDependent = new LinkedHashMap<>();
    nodeDependent.put("local_pid_id_2p16", concat(v, new byte[] {(byte) NEW_PID_EXT}, Erl.body(Etf.encodeToBytes(
        Term.atom("nonode@nohost"))), new byte[] {0, 0, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0}));
    nodeDependent.forEach((name, bytes) -> assertDoesNotThrow(() -> Etf.validate(bytes), name));
    stricter.put("trailing_byte", concat(mv2("tuple_ok"), new byte[] {0}));
    stricter.put("atom_internal_ref3", concat(v, new byte[] {(byte) ATOM_INTERNAL_REF3, 0, 0, 1}));
    stricter.put("compressed_trailing_byte", concat(seqCompressed, new byte[] {0}));
    byte[] fun = mv2("fun");
    fun[5]++; // the low byte of NEW_FUN_EXT's size field
    stricter.put("fun_size_plus_1", fun);
    stricter.put("export_arity_as_big", concat(v, new byte[] {(byte) EXPORT_EXT}, mod, fn, new byte[] {
        (byte) SMALL_BIG_EXT, 1, 0, 2}));

    Map<String, byte[]> toErlang = new LinkedHashMap<>();
    Map<String, String> expected = new LinkedHashMap<>();
    both.forEach((name, bytes) -> {
      Term t = assertDoesNotThrow(() -> Etf.decode(bytes), name);
      toErlang.put(name, concat(ByteBuffer.allocate(4).putInt(bytes.length).array(), bytes, Etf.encodeToBytes(t)));
      expected.put(name, "true");
    });
    neither.forEach((name, bytes) -> {
      refused(bytes);
      toErlang.put(name, concat(ByteBuffer.allocate(4).putInt(bytes.length).array(), bytes));
      expected.put(name, "erl_refuses");
    });
    stricter.forEach((name, bytes) -> {
      refused(bytes);
      toErlang.put(name, concat(ByteBuffer.allocate(4).putInt(bytes.length).array(), bytes));
      expected.put(name, "erl_accepts");
    });
    nodeDependent.forEach((name, bytes) -> {
      toErlang.put(name, concat(ByteBuffer.allocate(4).putInt(bytes.length).array(), bytes));
      expected.put(name, "erl_refuses");
    });
    Map<String, String> erlang = Erl.each(toErlang, """
        begin <<Len:32, X:Len/binary, Y/binary>> = B,
          case Y of
            <<>> -> try binary_to_term(X) of _ -> erl_accepts catch _:_ -> erl_refuses end;
            _ -> binary_to_term(X) =:= binary_to_term(Y)
          end
        end""");
    expected.forEach((name, verdict) -> assertEquals(verdict, erlang.get(name), name));
  }

  private static final byte VERSION_ = (byte) VERSION;

  private static byte[] floatText(String text) {
    byte[] b = new byte[32];
    b[0] = (byte) FLOAT_EXT;
    byte[] t = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(t, 0, b, 1, Math.min(31, t.length));
    return b;
  }

  private static byte[] repeat(char c, int n) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) c);
    return b;
  }

  /** {@code 80, Size:32, zlib(bytes[from..])}: a compressed term body. */
  private static byte[] compress(byte[] bytes, int from) {
    Deflater d = new Deflater();
    d.setInput(bytes, from, bytes.length - from);
    d.finish();
    byte[] out = new byte[bytes.length + 64];
    int n = d.deflate(out);
    d.end();
    return concat(new byte[] {(byte) COMPRESSED}, ByteBuffer.allocate(4).putInt(bytes.length - from).array(),
        Arrays.copyOf(out, n));
  }

  @Test
  @DisplayName("S-FIX-DECODE: declared sizes beyond the bytes present are refused before any allocation")
  void lengthBombsAreRefusedImmediately() {
    Map<String, Supplier<byte[]>> bombs = new LinkedHashMap<>();
    Map<String, String> messages = new LinkedHashMap<>();
    bombs.put("list", () -> patch32(mv2("list"), 2, 0xFFFF_FFFFL));
    messages.put("list", "LIST_EXT at offset 1 declares 4294967295 elements");
    bombs.put("tuple", () -> patch32(mv2("tuple_300"), 2, 0xFFFF_FFFFL));
    messages.put("tuple", "LARGE_TUPLE_EXT at offset 1 declares 4294967295 elements");
    bombs.put("map", () -> patch32(mv2("maps"), 2, 0x7FFF_FFFFL));
    messages.put("map", "MAP_EXT at offset 1 declares 2147483647 pairs");
    bombs.put("binary", () -> {
      byte[] b = mv2("tuple_ok"); // {ok,42,<<"x">>}: the binary's length field is 6 bytes from the end
      return patch32(b, b.length - 5, 0xFFFF_FFFFL);
    });
    messages.put("binary", "truncated BINARY_EXT at offset 9: declares 4294967295 bytes, 1 present");
    bombs.put("string", () -> {
      byte[] b = mv2("strings");
      int at = indexOf(b, (byte) STRING_EXT);
      b[at + 1] = (byte) 0xFF;
      b[at + 2] = (byte) 0xFF;
      return b;
    });
    messages.put("string", "declares 65535 bytes");
    bombs.put("big", () -> patch32(mv2("big"), 2, 0xFFFF_FFFFL));
    messages.put("big", "more than Erlang's limit of 4194296");
    bombs.put("atom", () -> {
      byte[] b = mv2("atom_255_utf8");
      b[2] = (byte) 0xFF;
      b[3] = (byte) 0xFF;
      return b;
    });
    messages.put("atom", "ATOM_UTF8_EXT at offset 1 declares 65535 bytes");
    bombs.put("fun_size", () -> patch32(mv2("fun"), 2, 0xFFFF_FFF0L));
    messages.put("fun_size", "truncated NEW_FUN_EXT at offset 1: declares 4294967280 bytes");
    bombs.put("inner_tuple", () -> {
      // {ok, 42, <<"x">>} inside a list: the tuple claims 255 elements but only a few bytes are left.
      byte[] b = concat(new byte[] {VERSION_, (byte) LIST_EXT, 0, 0, 0, 1}, Erl.body(mv2("tuple_ok")),
          new byte[] {(byte) NIL_EXT});
      b[7] = (byte) 255;
      return b;
    });
    messages.put("inner_tuple", "SMALL_TUPLE_EXT at offset 6 declares 255 elements, more than the");
    bombs.forEach((name, bomb) -> {
      byte[] bytes = bomb.get();
      refusedWith(bytes, messages.get(name));
      long allocated = allocatedBy(() -> refusal(() -> Etf.validate(bytes)));
      assertTrue(allocated < 16 * 1024, name + " allocated " + allocated + " bytes (the exception and its message)");
    });
  }

  private static byte[] patch32(byte[] b, int at, long value) {
    ByteBuffer.wrap(b).putInt(at, (int) value);
    return b;
  }

  private static int indexOf(byte[] b, byte value) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == value) {
        return i;
      }
    }
    throw new AssertionError("no " + value);
  }

  @Test
  @DisplayName("S-FIX-DECODE: a zlib bomb (200 MiB of zeros) is refused by the inflate cap without inflating it")
  void zipBombIsRefusedByTheCap() {
    int bombSize = 200 * 1024 * 1024;
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    byte[] zeros = new byte[1 << 20];
    byte[] chunk = new byte[1 << 16];
    java.io.ByteArrayOutputStream zlib = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < bombSize / zeros.length; i++) {
      deflater.setInput(zeros);
      while (!deflater.needsInput()) {
        zlib.write(chunk, 0, deflater.deflate(chunk));
      }
    }
    deflater.finish();
    while (!deflater.finished()) {
      zlib.write(chunk, 0, deflater.deflate(chunk));
    }
    deflater.end();
    byte[] data = zlib.toByteArray();

    byte[] honest = concat(new byte[] {VERSION_, (byte) COMPRESSED}, ByteBuffer.allocate(4).putInt(bombSize).array(),
        data);
    long allocated = allocatedBy(() -> refusedWith(honest, "declares 209715200 uncompressed bytes, more than the "
        + "limit of 67108864"));
    assertTrue(allocated < 1 << 20, "allocated " + allocated);

    byte[] lying = concat(new byte[] {VERSION_, (byte) COMPRESSED}, ByteBuffer.allocate(4).putInt(1000).array(), data);
    allocated = allocatedBy(() -> refusedWith(lying, "inflates to more than the 1000 bytes it declares"));
    assertTrue(allocated < 1 << 20, "allocated " + allocated);

    EtfLimits fourMiB = EtfLimits.DEFAULT.withMaxInflatedBytes(4 << 20);
    byte[] atTheCap = concat(new byte[] {VERSION_, (byte) COMPRESSED}, ByteBuffer.allocate(4).putInt(4 << 20).array(),
        data);
    allocated = allocatedBy(() -> {
      EtfException e = assertThrows(EtfException.class, () -> Etf.validate(atTheCap, fourMiB));
      assertTrue(e.getMessage().contains("inflates to more than the 4194304 bytes"), e.getMessage());
    });
    assertTrue(allocated < 12 << 20, "allocated " + allocated);

    EtfException none = assertThrows(EtfException.class,
        () -> Etf.validate(vectors.get("seq_1000").compressed(), EtfLimits.DEFAULT.withMaxInflatedBytes(0)));
    assertTrue(none.getMessage().contains("more than the limit of 0"), none.getMessage());
  }

  @Test
  @DisplayName("S-FIX-DECODE: empty input, a lone version byte, a wrong version byte and trailing bytes are refused")
  void framingIsStrict() {
    refusedWith(new byte[0], "empty input: expected the version byte 131");
    refusedWith(new byte[] {VERSION_}, "no term after the version byte");
    byte[] wrong = mv2("tuple_ok");
    wrong[0] = (byte) 130;
    refusedWith(wrong, "wrong version byte 130 at offset 0: expected 131");
    byte[] trailing = concat(mv2("tuple_ok"), new byte[] {(byte) NIL_EXT, 0});
    refusedWith(trailing, "trailing bytes: the term ends at offset " + mv2("tuple_ok").length + ", followed by 2 more");
    refusedWith(concat(mv2("tuple_ok"), new byte[] {VERSION_}), "trailing bytes");
    refusedWith(concat(vectors.get("seq_1000").compressed(), new byte[] {1}), "trailing bytes: the zlib stream");
    // Offsets in messages count from the start of the range given.
    byte[] framed = concat(new byte[] {9, 9, 9}, mv2("tuple_ok"), new byte[] {9});
    EtfException e = assertThrows(EtfException.class, () -> Etf.validate(framed, 3, framed.length - 3,
        EtfLimits.DEFAULT));
    assertEquals(mv2("tuple_ok").length, e.offset());
    assertDoesNotThrow(() -> Etf.validate(framed, 3, framed.length - 4, EtfLimits.DEFAULT));
    assertDoesNotThrow(() -> Etf.validate(Buffer.buffer(framed).slice(3, framed.length - 1)));
    assertEquals(Etf.decode(mv2("tuple_ok")), Etf.decode(Buffer.buffer(framed).slice(3, framed.length - 1)));
  }

  @Test
  @DisplayName("S-FIX-DECODE: atom cache refs, distribution headers, LOCAL_EXT, internal tags, FUN_EXT and unknown tags are refused by name")
  void foreignTagsAreRefusedByName() {
    Map<Integer, String> tags = new LinkedHashMap<>();
    tags.put(ATOM_CACHE_REF, "ATOM_CACHE_REF (tag 82) at offset 3 is only meaningful inside the distribution");
    tags.put(DIST_HEADER, "distribution header (tag 68) at offset 3");
    tags.put(LOCAL_EXT, "LOCAL_EXT (tag 121) at offset 3 can only be decoded by the node that encoded it");
    tags.put(FUN_EXT, "FUN_EXT (tag 117) at offset 3 is the old fun encoding");
    tags.put(COMPRESSED, "compressed term (tag 80) at offset 3 is only allowed right after the version byte");
    tags.put(VERSION, "version byte 131 at offset 3 is unexpected");
    tags.put(ATOM_INTERNAL_REF2, "ATOM_INTERNAL_REF2 (tag 73) at offset 3 is internal to the node that wrote it");
    tags.put(ATOM_INTERNAL_REF3, "ATOM_INTERNAL_REF3 (tag 75) at offset 3 is internal to the node that wrote it");
    tags.put(200, "unknown tag 200 at offset 3");
    tags.put(0, "unknown tag 0 at offset 3");
    tags.forEach((tag, message) -> {
      byte[] b = mv2("tuple_ok"); // 131, 104, 3, 119 (ok) ...
      b[3] = (byte) (int) tag;
      refusedWith(b, message);
    });
  }

  @Test
  @DisplayName("S-FIX-DECODE: nesting beyond the depth limit is refused without a StackOverflowError")
  void deepNestingIsRefusedWithoutStackOverflow() {
    Term deep = ErlList.NIL;
    for (int i = 0; i < 100_000; i++) {
      deep = ErlList.of(deep);
    }
    byte[] bytes = Etf.encodeToBytes(deep); // iterative: no stack overflow either
    refusedWith(bytes, "nests deeper than the limit of 512 containers");
    EtfLimits deepLimits = EtfLimits.DEFAULT.withMaxDepth(200_000);
    Etf.validate(bytes, deepLimits);
    Term decoded = Etf.decode(bytes, deepLimits);
    assertInstanceOf(ErlList.class, decoded);
    assertTrue(decoded.toString().startsWith("[[[[[[")); // iterative printer
    assertEquals(bytes.length, Etf.encodeToBytes(decoded).length);

    Term t512 = ErlTuple.EMPTY;
    for (int i = 0; i < 512; i++) {
      t512 = Term.tuple(t512);
    }
    Etf.validate(Etf.encodeToBytes(t512));
    refusedWith(Etf.encodeToBytes(Term.tuple(t512)), "SMALL_TUPLE_EXT at offset 1025 nests deeper than the limit");
    Term map513 = t512;
    map513 = Term.map(Atom.OK, map513);
    refusedWith(Etf.encodeToBytes(map513), "nests deeper than the limit of 512");
  }

  @Test
  @DisplayName("S-FIX-DECODE: duplicate map keys are refused, whatever their encoding")
  void duplicateMapKeysAreRefused() {
    byte[] b = mv2("maps"); // #{1 => one, 2 => two, 3 => three}: 131, 116, arity:32, 97, 1, 119, 3, o, n, e, 97, 2
    assertEquals(2, b[14]);
    b[14] = 1;
    refusedWith(b, "MAP_EXT at offset 1 has the key 1 twice");
    Term ok = Etf.decode(mv2("map_nested"));
    assertEquals(3, ((ErlMap) ok).size());
  }

  @Test
  @DisplayName("S-FIX-DECODE: the LARGE_BIG_EXT size limit is Erlang's")
  void bigIntegerSizeLimit() {
    byte[] max = new byte[1 + 1 + 4 + 1 + MAX_BIG_BYTES];
    max[0] = VERSION_;
    max[1] = (byte) LARGE_BIG_EXT;
    ByteBuffer.wrap(max).putInt(2, MAX_BIG_BYTES);
    max[max.length - 1] = 1;
    Etf.validate(max);
    assertEquals(java.math.BigInteger.ONE.shiftLeft(8 * (MAX_BIG_BYTES - 1)),
        ((ErlInteger) Etf.decode(max)).bigIntegerValue());
    byte[] over = concat(max, new byte[] {0});
    ByteBuffer.wrap(over).putInt(2, MAX_BIG_BYTES + 1);
    refusedWith(over, "declares 4194297 digit bytes, more than Erlang's limit of 4194296");
  }
}
