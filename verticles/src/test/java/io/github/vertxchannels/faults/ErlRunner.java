package io.github.vertxchannels.faults;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs Erlang/OTP ({@code erl}) for the fuzz tests: seed vectors come from {@code term_to_binary}
 * at test time, and inputs our validators accept are checked with {@code binary_to_term}. When
 * {@code erl} is missing the tests fail (they do not skip): `make deps` installs it.
 */
final class ErlRunner {

  private static final HexFormat HEX = HexFormat.of();

  private ErlRunner() {}

  static String executable() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      File f = new File(dir, "erl");
      if (f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    return fail("Erlang/OTP's erl is not on the PATH: run `make deps` (it installs Debian's erlang-base)");
  }

  /** Evaluates Erlang expressions in a fresh node; returns what they print, line by line. */
  static List<String> eval(String program) {
    try {
      Path out = Files.createTempFile("faults-erl-out", ".txt");
      Path err = Files.createTempFile("faults-erl-err", ".txt");
      try {
        ProcessBuilder pb = new ProcessBuilder(executable(), "-noshell", "-eval", program, "-s", "init", "stop")
          .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("ERL_CRASH_DUMP_SECONDS", "0");
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return fail("erl did not finish within 60 s");
        }
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0 || !lines.contains("END")) {
          return fail("erl failed (exit " + p.exitValue() + "): " + String.join("\n", lines) + "\n"
            + Files.readString(err, StandardCharsets.UTF_8));
        }
        return lines.subList(0, lines.indexOf("END"));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (Exception e) {
      return fail("cannot run erl: " + e);
    }
  }

  /**
   * {@code term_to_binary} of each expression under several option lists.
   *
   * @return label ("name/options") to bytes
   */
  static Map<String, byte[]> vectors(Map<String, String> expressions, List<String> optionLists) {
    StringBuilder p = new StringBuilder("Os = [").append(String.join(", ", optionLists)).append("],\nVs = [");
    boolean first = true;
    for (Map.Entry<String, String> e : expressions.entrySet()) {
      p.append(first ? "" : ",\n").append("{\"").append(e.getKey()).append("\", fun() -> ").append(e.getValue()).append(" end}");
      first = false;
    }
    p.append("],\n").append("""
      lists:foreach(fun({N, F}) ->
          T = F(),
          lists:foreach(fun({I, O}) ->
              io:format("~s/~b ~s~n", [N, I, binary:encode_hex(term_to_binary(T, O))])
            end, lists:zip(lists:seq(1, length(Os)), Os))
        end, Vs),
      io:format("END~n").
      """);
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String line : eval(p.toString())) {
      String[] f = line.split(" ");
      out.put(f[0], HEX.parseHex(f[1]));
    }
    if (out.size() != expressions.size() * optionLists.size()) {
      fail("erl produced " + out.size() + " vectors, expected " + expressions.size() * optionLists.size());
    }
    return out;
  }

  /**
   * Asks Erlang whether each input is exactly one term: {@code binary_to_term(B, [used])} succeeds
   * and uses every byte.
   *
   * @return per input, {@code ok}, {@code trailing} or {@code badarg}
   */
  static List<String> binaryToTermVerdicts(List<byte[]> inputs) {
    try {
      Path in = Files.createTempFile("faults-erl-in", ".txt");
      try {
        StringBuilder sb = new StringBuilder();
        for (byte[] b : inputs) {
          sb.append(b.length == 0 ? "-" : HEX.formatHex(b)).append('\n');
        }
        Files.writeString(in, sb.toString(), StandardCharsets.US_ASCII);
        String program = "{ok, Data} = file:read_file(\"" + in + "\"),\n" + """
          Lines = binary:split(Data, <<"\\n">>, [global, trim_all]),
          lists:foreach(fun(Line) ->
              B = case Line of <<"-">> -> <<>>; _ -> binary:decode_hex(Line) end,
              R = try binary_to_term(B, [used]) of
                    {_, U} when U =:= byte_size(B) -> ok;
                    _ -> trailing
                  catch _:_ -> badarg end,
              io:format("~s~n", [R])
            end, Lines),
          io:format("END~n").
          """;
        List<String> verdicts = new ArrayList<>(eval(program));
        if (verdicts.size() != inputs.size()) {
          fail("erl answered " + verdicts.size() + " verdicts for " + inputs.size() + " inputs");
        }
        return verdicts;
      } finally {
        Files.deleteIfExists(in);
      }
    } catch (java.io.IOException e) {
      return fail("cannot write erl's input: " + e);
    }
  }

  static String hex(byte[] b) {
    return HEX.formatHex(b);
  }
}
