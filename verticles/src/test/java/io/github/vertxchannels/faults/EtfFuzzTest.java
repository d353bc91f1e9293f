package io.github.vertxchannels.faults;

import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.EtfException;
import io.github.vertxchannels.etf.Term;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzing of the ETF validator and decoder ({@link Etf#validate}, {@link Etf#decode}) with
 * vectors made by {@code erl} at test time, mutated, and with random bytes starting with 131
 * (S-FIX-DECODE: "It rejects malformed input with a clear error, never with a crash, a hang or
 * unbounded memory"). Seeded: the seed is printed, and {@code -Dfaults.seed=N} replays a run.
 */
class EtfFuzzTest {

  static final long SEED = Long.getLong("faults.seed", 0x5EED_E7F0L);
  static final int MUTATED = Integer.getInteger("faults.mutated", 20_000);
  static final int RANDOM = Integer.getInteger("faults.random", 10_000);
  /** A generous per-input bound: a linear validator takes microseconds on these inputs. */
  static final long PER_INPUT_MS = 5_000;
  /** The bound for the few-MB inputs below: linear work on them takes tens of milliseconds. */
  static final long BIG_INPUT_MS = 2_000;

  static final Map<String, String> TERMS = new LinkedHashMap<>();

  static {
    TERMS.put("atoms", "{ok, '', true, list_to_atom([99, 97, 102, 233]), list_to_atom(lists:duplicate(255, $a)), list_to_atom([26085, 26412])}");
    TERMS.put("ints", "[0, 255, 256, -1, 2147483647, -2147483648, 1 bsl 64, -(1 bsl 100), (1 bsl 2040) - 1]");
    TERMS.put("floats", "{0.1, -1.5e300, 5.0e-324, 0.0, 1.0e20}");
    TERMS.put("binaries", "{<<>>, <<\"hello\">>, <<255, 0>>, <<1:3>>, <<1, 2, 3:5>>, binary:copy(<<\"ab\">>, 40)}");
    TERMS.put("lists", "{\"abc\", lists:seq(1, 300), [1, a, <<\"b\">>, [c]], [1 | 2], [a, b | c], [[]], []}");
    TERMS.put("tuples", "{{}, {a, 1}, list_to_tuple(lists:seq(1, 260))}");
    TERMS.put("maps", "{#{}, #{a => 1, <<\"k\">> => [1]}, #{{t, 1} => #{x => y}}, maps:from_list([{I, I * I} || I <- lists:seq(1, 40)])}");
    TERMS.put("opaque", "{self(), make_ref(), hd(erlang:ports()), fun() -> ok end, fun lists:map/2, (fun(Y) -> fun(X) -> X + Y end end)(7)}");
    TERMS.put("message", "{call, 7, #{method => <<\"put\">>, args => [<<\"k\">>, {bytes, <<0, 1>>}, 3.25, self()]}}");
    TERMS.put("repetitive", "lists:duplicate(30, {ok, <<\"abcdef\">>, 1.5})");
  }

  static final List<String> OPTIONS = List.of("[]", "[{minor_version, 0}]", "[{minor_version, 1}]", "[compressed]");

  static List<byte[]> seeds;

  @BeforeAll
  static void vectors() {
    seeds = new ArrayList<>(ErlRunner.vectors(TERMS, OPTIONS).values());
    for (byte[] s : seeds) {
      Etf.validate(s); // the unmutated vectors are all valid
    }
  }

  // ------------------------------------------------------------------------------ the fuzz loop

  private static final int[] TAGS = {70, 77, 80, 82, 88, 89, 90, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107,
    108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 68, 73, 75, 0, 255, 131};
  private static final long[] U32 = {0, 1, 2, 255, 256, 0x7FFF, 0xFFFF, 0x10000, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL};

  static byte[] mutate(Random r, byte[] in, List<byte[]> others) {
    byte[] b = in.clone();
    int ops = 1 + r.nextInt(3);
    for (int k = 0; k < ops; k++) {
      if (b.length == 0) {
        return new byte[] {(byte) 131};
      }
      int at = r.nextInt(b.length);
      switch (r.nextInt(8)) {
        case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
        case 1 -> b[at] = (byte) (r.nextBoolean() ? TAGS[r.nextInt(TAGS.length)] : new int[] {0, 1, 0x7F, 0x80, 0xFF}[r.nextInt(5)]);
        case 2 -> {
          long v = r.nextInt(4) == 0 ? b.length + r.nextInt(3) - 1 : U32[r.nextInt(U32.length)];
          int width = r.nextBoolean() ? 4 : 2;
          for (int i = 0; i < width && at + i < b.length; i++) {
            b[at + i] = (byte) (v >>> (8 * (width - 1 - i)));
          }
        }
        case 3 -> {
          byte[] ins = new byte[1 + r.nextInt(8)];
          r.nextBytes(ins);
          b = concat(Arrays.copyOf(b, at), ins, Arrays.copyOfRange(b, at, b.length));
        }
        case 4 -> b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, Math.min(b.length, at + 1 + r.nextInt(8)), b.length));
        case 5 -> b = Arrays.copyOf(b, at);
        case 6 -> {
          int len = Math.min(b.length - at, 1 + r.nextInt(16));
          int to = r.nextInt(b.length);
          b = concat(Arrays.copyOf(b, to), Arrays.copyOfRange(b, at, at + len), Arrays.copyOfRange(b, to, b.length));
        }
        default -> {
          byte[] o = others.get(r.nextInt(others.size()));
          int from = 1 + r.nextInt(Math.max(1, o.length - 1));
          int len = Math.min(o.length - from, 1 + r.nextInt(24));
          int end = Math.min(b.length, at + r.nextInt(24));
          b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(o, from, from + Math.max(0, len)), Arrays.copyOfRange(b, end, b.length));
        }
      }
    }
    return b;
  }

  /** Random bytes after 131, biased towards tags and small lengths so that some parse deeply. */
  static byte[] randomInput(Random r) {
    int n = r.nextInt(48);
    byte[] b = new byte[1 + n];
    b[0] = (byte) 131;
    for (int i = 1; i <= n; i++) {
      int kind = r.nextInt(4);
      b[i] = (byte) (kind == 0 ? TAGS[r.nextInt(TAGS.length)] : kind == 1 ? r.nextInt(4) : r.nextInt(256));
    }
    return b;
  }

  /** What one input gave: null when accepted, the refusal otherwise; any other throwable fails. */
  static String check(byte[] input) {
    Throwable validation = null;
    try {
      Etf.validate(input);
    } catch (EtfException e) {
      validation = e;
    }
    Term decoded = null;
    Throwable decoding = null;
    try {
      decoded = Etf.decode(input);
    } catch (EtfException e) {
      decoding = e;
    }
    if ((validation == null) != (decoding == null)) {
      throw new AssertionError("validate and decode disagree on " + ErlRunner.hex(input) + ": validate "
        + (validation == null ? "accepts" : "refuses (" + validation.getMessage() + ")") + ", decode "
        + (decoding == null ? "accepts" : "refuses (" + decoding.getMessage() + ")"));
    }
    if (validation != null) {
      String m = validation.getMessage();
      if (m == null || m.isBlank()) {
        throw new AssertionError("a refusal without a message for " + ErlRunner.hex(input));
      }
      return m;
    }
    // Accepted: the value re-encodes to a valid payload that decodes to the same value.
    byte[] again = Etf.encodeToBytes(decoded);
    Etf.validate(again);
    if (!Etf.decode(again).equals(decoded)) {
      throw new AssertionError("decode(encode(decode(x))) differs from decode(x) for " + ErlRunner.hex(input));
    }
    decoded.toString();
    return null;
  }

  @Test
  void mutated_and_random_payloads_are_a_value_or_an_EtfException_never_another_failure_or_a_hang__S_FIX_DECODE() throws Exception {
    System.out.println("EtfFuzzTest seed " + SEED + " (replay with -Dfaults.seed=" + SEED + ")");
    Random r = new Random(SEED);
    List<byte[]> inputs = new ArrayList<>(MUTATED + RANDOM);
    for (int i = 0; i < MUTATED; i++) {
      inputs.add(mutate(r, seeds.get(r.nextInt(seeds.size())), seeds));
    }
    for (int i = 0; i < RANDOM; i++) {
      inputs.add(randomInput(r));
    }
    List<byte[]> accepted = new ArrayList<>();
    int[] refused = {0};
    runEachWithin(inputs, input -> {
      if (check(input) == null) {
        accepted.add(input);
      } else {
        refused[0]++;
      }
    });
    System.out.println("EtfFuzzTest: " + inputs.size() + " inputs, " + accepted.size() + " accepted, " + refused[0] + " refused");
    assertEquals(inputs.size(), accepted.size() + refused[0]);
    assertTrue(accepted.size() > 100 && refused[0] > 1000, "the fuzzer reaches both outcomes");
    lastAccepted = accepted;
  }

  static List<byte[]> lastAccepted;

  @Test
  void every_mutated_payload_the_validator_accepts_is_one_term_for_erlang_too__S_FIX_DECODE() {
    Random r = new Random(SEED ^ 0xE71);
    Set<String> seen = new HashSet<>();
    List<byte[]> accepted = new ArrayList<>();
    for (int i = 0; i < 200_000 && accepted.size() < 3000; i++) {
      byte[] input = mutate(r, seeds.get(r.nextInt(seeds.size())), seeds);
      try {
        Etf.validate(input);
      } catch (EtfException refused) {
        continue;
      }
      if (seen.add(ErlRunner.hex(input))) {
        accepted.add(input);
      }
    }
    List<String> verdicts = ErlRunner.binaryToTermVerdicts(accepted);
    List<String> disagreements = new ArrayList<>();
    int tolerated = 0;
    for (int i = 0; i < accepted.size(); i++) {
      if (!verdicts.get(i).equals("ok")) {
        // Documented in Etf: a pid/port/ref naming the decoding node itself (nonode@nohost) with
        // numbers its internal form cannot hold is refused by that node only.
        if (ErlRunner.hex(accepted.get(i)).contains(ErlRunner.hex("nonode@nohost".getBytes()))) {
          tolerated++;
          continue;
        }
        disagreements.add(verdicts.get(i) + " " + ErlRunner.hex(accepted.get(i)));
      }
    }
    System.out.println("EtfFuzzTest: " + accepted.size() + " accepted mutants checked with binary_to_term, "
      + tolerated + " local-node identifiers tolerated, " + disagreements.size() + " disagreements");
    assertTrue(disagreements.isEmpty(), "the validator accepts bytes binary_to_term refuses (seed " + SEED + "): "
      + disagreements.subList(0, Math.min(10, disagreements.size())));
  }

  // ------------------------------------------------------------------------------- declared sizes

  private static long allocatedBy(Runnable r) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = mx.getCurrentThreadAllocatedBytes();
    r.run();
    return mx.getCurrentThreadAllocatedBytes() - before;
  }

  static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  @Test
  void declared_length_bombs_fail_fast_with_EtfException_and_allocate_almost_nothing__S_FIX_DECODE() {
    Map<String, byte[]> bombs = new LinkedHashMap<>();
    bombs.put("BINARY_EXT of 2^32-1 bytes", bytes(131, 109, 255, 255, 255, 255, 1, 2, 3));
    bombs.put("LIST_EXT of 2^32-1 elements", bytes(131, 108, 255, 255, 255, 255, 97, 1, 106));
    bombs.put("LARGE_TUPLE_EXT of 2^32-1 elements", bytes(131, 105, 255, 255, 255, 255, 97, 1));
    bombs.put("MAP_EXT of 2^32-1 pairs", bytes(131, 116, 255, 255, 255, 255, 97, 1, 97, 2));
    bombs.put("LARGE_BIG_EXT of 2^32-1 digits", bytes(131, 111, 255, 255, 255, 255, 0, 1, 2));
    bombs.put("BIT_BINARY_EXT of 2^32-1 bytes", bytes(131, 77, 255, 255, 255, 255, 3, 1));
    bombs.put("STRING_EXT of 65535 bytes", bytes(131, 107, 255, 255, 1, 2));
    bombs.put("ATOM_UTF8_EXT of 65535 bytes", bytes(131, 118, 255, 255, 97));
    bombs.put("NEWER_REFERENCE_EXT of 65535 words", bytes(131, 90, 255, 255, 119, 1, 97, 0, 0, 0, 0));
    bombs.put("NEW_FUN_EXT of 2^32-1 bytes", bytes(131, 112, 255, 255, 255, 255, 0));
    bombs.put("compressed term of 2^32-1 bytes", bytes(131, 80, 255, 255, 255, 255, 120, 156, 3, 0));
    bombs.put("compressed term of 64 MiB of nothing", bytes(131, 80, 4, 0, 0, 0, 120, 156, 3, 0, 0, 0, 0, 1));
    bombs.put("nested LIST_EXTs each of 2^32-1", bytes(131, 108, 255, 255, 255, 255, 108, 255, 255, 255, 255, 108, 255, 255, 255, 255));
    List<String> problems = new ArrayList<>();
    bombs.forEach((name, b) -> {
      long[] allocated = {0, 0};
      allocated[0] = allocatedBy(() -> expectEtfException(name, () -> Etf.validate(b), problems));
      allocated[1] = allocatedBy(() -> expectEtfException(name, () -> Etf.decode(b), problems));
      if (Math.max(allocated[0], allocated[1]) > 1 << 20) {
        problems.add(name + ": allocated " + allocated[0] + " / " + allocated[1] + " bytes (validate / decode)");
      }
    });
    assertTrue(problems.isEmpty(), problems.toString());
  }

  private static void expectEtfException(String name, Runnable r, List<String> problems) {
    try {
      r.run();
      problems.add(name + ": accepted");
    } catch (EtfException expected) {
      // the clear error
    } catch (Throwable t) {
      problems.add(name + ": " + t);
    }
  }

  // ------------------------------------------------------------------ work proportional to input

  /**
   * #{#{1 => 1} => 0, #{1 => 2} => ...} nested 500 deep over a list of a million small integers
   * (2 MB): the keys of every level collide in the validator's key hash (maps nested in keys hash
   * by size), and each collision re-decodes the whole level, values included.
   */
  static byte[] collidingMapKeysOverABigList(int depth, int n) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.write(131);
    for (int k = 0; k < depth; k++) {
      o.writeBytes(bytes(116, 0, 0, 0, 2, 116, 0, 0, 0, 1, 97, 1, 97, 1, 97, 0, 116, 0, 0, 0, 1, 97, 1, 97, 2));
    }
    o.write(108);
    o.writeBytes(ByteBuffer.allocate(4).putInt(n).array());
    for (int i = 0; i < n; i++) {
      o.write(97);
      o.write(i);
    }
    o.write(106);
    return o.toByteArray();
  }

  @Test
  void validating_maps_whose_keys_collide_at_every_level_takes_work_proportional_to_the_input__S_FIX_DECODE() throws Exception {
    byte[] b = collidingMapKeysOverABigList(500, 1_000_000);
    withinDeadline(BIG_INPUT_MS, "Etf.validate of a " + b.length + "-byte term: 500 nested maps with colliding "
      + "map keys over a list of 10^6 small integers (erlang accepts it)", () -> {
        try {
          Etf.validate(b);
        } catch (EtfException refused) {
          // Our deliberate answer (stricter than binary_to_term): refused at once, with a reason.
          if (!refused.getMessage().contains("out of proportion")) {
            throw refused;
          }
        }
        return null;
      });
  }

  /** [[] | [[] | ... [N x []]]] 500 deep: a list whose tail is a list, as binary_to_term accepts. */
  static byte[] nestedListTails(int depth, int n) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.write(131);
    for (int k = 0; k < depth; k++) {
      o.writeBytes(bytes(108, 0, 0, 0, 1, 106));
    }
    o.write(108);
    o.writeBytes(ByteBuffer.allocate(4).putInt(n).array());
    for (int i = 0; i < n; i++) {
      o.write(106);
    }
    o.write(106);
    return o.toByteArray();
  }

  @Test
  void decoding_a_list_whose_tails_are_lists_takes_work_proportional_to_the_input__S_FIX_DECODE() throws Exception {
    byte[] b = nestedListTails(510, 1_500_000);
    Etf.validate(b);
    Term t = withinDeadline(BIG_INPUT_MS, "Etf.decode of a " + b.length + "-byte list whose tail is a list, 510 deep",
      () -> Etf.decode(b));
    assertEquals(1_500_510, ((io.github.vertxchannels.etf.ErlList) t).size());
  }

  /** A map of n integer keys x * (2^32 + 1): they all have the Java hash code 0. */
  static byte[] mapWithCollidingIntegerKeys(int n) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(bytes(131, 116));
    o.writeBytes(ByteBuffer.allocate(4).putInt(n).array());
    for (long x = 1; x <= n; x++) {
      o.writeBytes(bytes(110, 8, 0));
      o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(x * ((1L << 32) + 1)).array());
      o.writeBytes(bytes(97, 0));
    }
    return o.toByteArray();
  }

  @Test
  void decoding_a_map_whose_keys_share_one_hash_code_takes_work_proportional_to_the_input__S_FIX_DECODE() throws Exception {
    byte[] b = mapWithCollidingIntegerKeys(30_000);
    Etf.validate(b);
    Term t = withinDeadline(BIG_INPUT_MS, "Etf.decode of a " + b.length + "-byte map of 30000 integer keys "
      + "x * (2^32 + 1) (all with hashCode 0)", () -> Etf.decode(b));
    assertEquals(30_000, ((io.github.vertxchannels.etf.ErlMap) t).size());
  }

  // -------------------------------------------------------------------------------- deadlines

  interface InputCheck {
    void run(byte[] input) throws Exception;
  }

  /** Runs the check on every input on a worker thread; fails if any single input takes too long. */
  static void runEachWithin(List<byte[]> inputs, InputCheck check) throws Exception {
    AtomicReference<byte[]> current = new AtomicReference<>();
    AtomicLong startedAt = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread worker = new Thread(() -> {
      try {
        for (byte[] input : inputs) {
          startedAt.set(System.nanoTime());
          current.set(input);
          try {
            check.run(input);
          } catch (Throwable t) {
            throw new AssertionError("seed " + SEED + ", input " + ErlRunner.hex(input) + ": " + t, t);
          }
        }
        current.set(null);
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "etf-fuzz");
    worker.setDaemon(true);
    worker.start();
    while (worker.isAlive()) {
      worker.join(50);
      byte[] in = current.get();
      if (worker.isAlive() && in != null && System.nanoTime() - startedAt.get() > TimeUnit.MILLISECONDS.toNanos(PER_INPUT_MS)) {
        stop(worker);
        fail("seed " + SEED + ": one input ran for more than " + PER_INPUT_MS + " ms: " + ErlRunner.hex(in));
      }
    }
    if (failure.get() != null) {
      Throwable t = failure.get();
      throw t instanceof AssertionError a ? a : new AssertionError(t);
    }
  }

  static <T> T withinDeadline(long ms, String what, Callable<T> task) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread worker = new Thread(() -> {
      try {
        result.complete(task.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }, "etf-deadline");
    worker.setDaemon(true);
    worker.start();
    try {
      return result.get(ms, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      stop(worker);
      return fail(what + ": still running after " + ms + " ms (work grows faster than the input: a few MB of "
        + "input can hold a thread for minutes)");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
    }
  }

  /** Stops a runaway worker so that it does not keep burning CPU under the other tests. */
  @SuppressWarnings({"deprecation", "removal"})
  static void stop(Thread t) {
    try {
      t.stop();
    } catch (UnsupportedOperationException | SecurityException ignored) {
      // newer JDKs: the daemon thread runs to its end
    }
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }
}
