package io.github.vertxchannels.etf;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs real Erlang/OTP ({@code erl}) for the tests: the test vectors are produced by
 * {@code term_to_binary} at test time, never typed by hand, and Java-encoded terms are checked
 * with {@code binary_to_term}. When {@code erl} is missing the tests fail (they do not skip).
 */
final class Erl {

  private static final HexFormat HEX = HexFormat.of();

  /** One term as Erlang encodes it. */
  record Vector(String name, byte[] dflt, byte[] mv0, byte[] mv1, byte[] mv2, byte[] compressed) {

    /** All the encodings, each with a label. */
    Map<String, byte[]> encodings() {
      Map<String, byte[]> m = new LinkedHashMap<>();
      m.put("default", dflt);
      m.put("minor_version 0", mv0);
      m.put("minor_version 1", mv1);
      m.put("minor_version 2", mv2);
      m.put("compressed", compressed);
      return m;
    }
  }

  private Erl() {}

  /** The erl executable, or a test failure saying how to install it. */
  static String executable() {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      File f = new File(dir, "erl");
      if (f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    return fail("Erlang/OTP's erl is not on the PATH, and the ETF tests need it to produce their test vectors: "
        + "run `make deps` (it installs Debian's erlang-base)");
  }

  /**
   * Evaluates Erlang expressions ({@code -eval}) in a fresh node and returns what they print, one
   * string per line. Fails the test when erl fails or takes more than a minute.
   */
  static List<String> eval(String expressions) {
    try {
      Path out = Files.createTempFile("erl-out", ".txt");
      Path err = Files.createTempFile("erl-err", ".txt");
      try {
        ProcessBuilder pb = new ProcessBuilder(executable(), "-noshell", "-eval", expressions, "-s", "init", "stop")
            .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.environment().put("ERL_CRASH_DUMP_SECONDS", "0"); // no erl_crash.dump files in the build tree
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return fail("erl did not finish within 60 s");
        }
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        if (p.exitValue() != 0 || !lines.isEmpty() && lines.get(lines.size() - 1).contains("init terminating")) {
          return fail("erl failed (exit " + p.exitValue() + "): " + String.join("\n", lines) + "\n" + stderr);
        }
        return lines;
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      return fail("cannot run erl: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted while running erl");
    }
  }

  /**
   * Encodes Erlang terms with term_to_binary in several ways.
   *
   * @param namedTerms name to Erlang expression; names are single words
   * @return name to vector, in the given order
   */
  static Map<String, Vector> vectors(Map<String, String> namedTerms) {
    StringBuilder list = new StringBuilder("Vs = [");
    boolean first = true;
    for (Map.Entry<String, String> e : namedTerms.entrySet()) {
      list.append(first ? "" : ",\n").append("{\"").append(e.getKey()).append("\", (").append(e.getValue()).append(")}");
      first = false;
    }
    list.append("],\n");
    String program = list + """
        H = fun(B) -> binary:encode_hex(B) end,
        lists:foreach(fun({N, T}) ->
            io:format("~s ~s ~s ~s ~s ~s~n", [N, H(term_to_binary(T)), H(term_to_binary(T, [{minor_version, 0}])),
                H(term_to_binary(T, [{minor_version, 1}])), H(term_to_binary(T, [{minor_version, 2}])),
                H(term_to_binary(T, [compressed]))])
          end, Vs).
        """;
    Map<String, Vector> vectors = new LinkedHashMap<>();
    for (String line : eval(program)) {
      String[] f = line.split(" ");
      if (f.length != 6) {
        fail("unexpected erl output: " + line);
      }
      vectors.put(f[0], new Vector(f[0], hex(f[1]), hex(f[2]), hex(f[3]), hex(f[4]), hex(f[5])));
    }
    if (!vectors.keySet().equals(namedTerms.keySet())) {
      fail("erl produced vectors " + vectors.keySet() + ", expected " + namedTerms.keySet());
    }
    return vectors;
  }

  /**
   * Asks Erlang, for each input, what {@code binary_to_term} makes of it.
   *
   * @param inputs name to bytes
   * @param expressionOfB an Erlang expression of the bytes, bound to {@code B} (and of the input's
   *     name, a binary bound to {@code Name}), evaluated for each input; its value (or the error it
   *     raises) is printed with ~w
   * @return name to the printed value (e.g. {@code true}, {@code badarg})
   */
  static Map<String, String> each(Map<String, byte[]> inputs, String expressionOfB) {
    try {
      Path in = Files.createTempFile("erl-in", ".txt");
      try {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, byte[]> e : inputs.entrySet()) {
          sb.append(e.getKey()).append(' ').append(HEX.formatHex(e.getValue())).append('\n');
        }
        Files.writeString(in, sb.toString(), StandardCharsets.US_ASCII);
        // The program's own variables have long names so that the expression can use short ones.
        String program = "{ok, ErlEachData} = file:read_file(\"" + in + "\"),\n" + """
            ErlEachLines = binary:split(ErlEachData, <<"\\n">>, [global, trim_all]),
            lists:foreach(fun(ErlEachLine) ->
                [Name, ErlEachHex] = binary:split(ErlEachLine, <<" ">>),
                B = binary:decode_hex(ErlEachHex),
                ErlEachResult = try (%s) catch _:ErlEachError -> ErlEachError end,
                io:format("~s ~w~n", [Name, ErlEachResult])
              end, ErlEachLines).
            """.formatted(expressionOfB);
        Map<String, String> results = new LinkedHashMap<>();
        for (String line : eval(program)) {
          int space = line.indexOf(' ');
          results.put(line.substring(0, space), line.substring(space + 1));
        }
        if (!results.keySet().equals(inputs.keySet())) {
          fail("erl answered for " + results.keySet() + ", asked " + inputs.keySet());
        }
        return results;
      } finally {
        Files.deleteIfExists(in);
      }
    } catch (IOException e) {
      return fail("cannot write erl's input: " + e);
    }
  }

  static byte[] hex(String s) {
    return HEX.parseHex(s);
  }

  static String hex(byte[] b) {
    return HEX.formatHex(b);
  }

  /** Concatenates byte arrays. */
  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int i = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, i, p.length);
      i += p.length;
    }
    return out;
  }

  /** The bytes without their version byte. */
  static byte[] body(byte[] withVersion) {
    return java.util.Arrays.copyOfRange(withVersion, 1, withVersion.length);
  }

  static List<String> names(Map<String, ?> m) {
    return new ArrayList<>(m.keySet());
  }
}
