package io.github.vertxchannels.etf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Prints validate/decode/encode rates (the validator runs on every send to a term channel). It
 * asserts nothing about time: machines differ; the figures are for people. (A binary validates in
 * constant time: its declared length is checked, its bytes are not read.)
 */
class EtfThroughputTest {

  private static byte[] small;
  private static byte[] typical;
  private static byte[] mebibyte;

  @BeforeAll
  static void produceTermsWithErlang() {
    List<String> hex = Erl.eval("""
        lists:foreach(fun(T) -> io:format("~s~n", [binary:encode_hex(term_to_binary(T, [{minor_version, 2}]))]) end,
          [{ok, 42, <<"x">>},
           #{id => 12345, name => <<"a user name">>, tags => [alpha, beta, gamma], score => 0.75,
             history => [{I, I * 1000} || I <- lists:seq(1, 10)]},
           binary:copy(<<"x">>, 1048576)]).
        """);
    small = Erl.hex(hex.get(0));
    typical = Erl.hex(hex.get(1));
    mebibyte = Erl.hex(hex.get(2));
  }

  /** Runs op repeatedly for about the given time; returns operations per second. */
  private static double rate(long millis, LongSupplier op) {
    long sink = 0;
    long n = 0;
    long deadline = System.nanoTime() + millis * 1_000_000;
    long start = System.nanoTime();
    long now;
    do {
      for (int i = 0; i < 64; i++) {
        sink += op.getAsLong();
      }
      n += 64;
      now = System.nanoTime();
    } while (now < deadline);
    if (sink == 42) {
      System.out.print(""); // keeps the work observable
    }
    return n * 1e9 / (now - start);
  }

  /** Prints the best of a few short samples: the machine may be busy with other work. */
  private static void report(String what, int bytes, LongSupplier op) {
    rate(150, op); // warm up
    double best = 0;
    for (int i = 0; i < 4; i++) {
      best = Math.max(best, rate(50, op));
    }
    System.out.printf("%-44s %,14.0f ops/s %,12.1f MB/s%n", what + " (" + bytes + " bytes)", best, best * bytes / 1e6);
  }

  @Test
  @DisplayName("prints validate, decode and encode throughput")
  void throughput() {
    Buffer smallBuffer = Buffer.buffer(small);
    Buffer mebibyteBuffer = Buffer.buffer(mebibyte);
    Term smallTerm = Etf.decode(small);
    Term typicalTerm = Etf.decode(typical);
    assertEquals(small.length, Etf.encodeToBytes(smallTerm).length);

    report("validate {ok,42,<<\"x\">>} byte[]", small.length, () -> {
      Etf.validate(small);
      return 1;
    });
    report("validate {ok,42,<<\"x\">>} Buffer", small.length, () -> {
      Etf.validate(smallBuffer);
      return 1;
    });
    report("validate typical map", typical.length, () -> {
      Etf.validate(typical);
      return 1;
    });
    report("validate 1 MiB binary Buffer", mebibyte.length, () -> {
      Etf.validate(mebibyteBuffer);
      return 1;
    });
    report("decode {ok,42,<<\"x\">>}", small.length, () -> Etf.decode(small).hashCode());
    report("decode typical map", typical.length, () -> Etf.decode(typical).hashCode());
    report("encode {ok,42,<<\"x\">>}", small.length, () -> Etf.encodeToBytes(smallTerm).length);
    report("encode typical map", typical.length, () -> Etf.encodeToBytes(typicalTerm).length);
  }
}
