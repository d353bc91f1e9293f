package io.github.vertxchannels.conformance.engine;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Terms as real Erlang/OTP makes them: {@code erl/vectors.escript} evaluates Erlang expressions and
 * prints, for each, its {@code term_to_binary} bytes in five encodings and its canonical form. The
 * suite never types ETF bytes by hand; every term it sends or expects comes from here.
 */
public final class ErlVectors {

  /** The encodings the escript produces. */
  public static final List<String> VARIANTS = List.of("default", "mv0", "mv1", "mv2", "compressed");

  /** One encoding of one term. */
  public record Encoded(byte[] bytes, String canon) {
  }

  private final Map<String, Map<String, Encoded>> byExpression;
  private final Map<String, String> errors;

  private ErlVectors(Map<String, Map<String, Encoded>> byExpression, Map<String, String> errors) {
    this.byExpression = byExpression;
    this.errors = errors;
  }

  /**
   * Runs the escript once over all the expressions.
   *
   * @param escript the path of {@code vectors.escript}
   * @param expressions Erlang expressions, one line each
   * @param workDir where to write the escript's input
   */
  public static ErlVectors produce(Path escript, Set<String> expressions, Path workDir) throws IOException, InterruptedException {
    List<String> exprs = new ArrayList<>(new LinkedHashSet<>(expressions));
    for (String e : exprs) {
      if (e.contains("\n")) {
        throw new IllegalArgumentException("an Erlang expression of the catalogue spans lines: " + e);
      }
    }
    Files.createDirectories(workDir);
    Path in = workDir.resolve("erl-expressions.txt");
    Path out = workDir.resolve("erl-vectors.txt");
    Path err = workDir.resolve("erl-stderr.txt");
    Files.writeString(in, String.join("\n", exprs) + "\n", StandardCharsets.UTF_8);
    Process p = new ProcessBuilder("escript", escript.toString(), in.toString())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    p.getOutputStream().close();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("erl (vectors.escript) did not finish within 120 s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("erl (vectors.escript) failed with exit " + p.exitValue() + ": "
          + Files.readString(err));
    }
    Map<String, Map<String, Encoded>> map = new HashMap<>();
    Map<String, String> errors = new HashMap<>();
    HexFormat hex = HexFormat.of();
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      String[] f = line.split("\t", 4);
      String expr = exprs.get(Integer.parseInt(f[0]));
      if (f[1].equals("error")) {
        errors.put(expr, f[2]);
        continue;
      }
      map.computeIfAbsent(expr, k -> new HashMap<>()).put(f[1], new Encoded(hex.parseHex(f[2]), f[3]));
    }
    for (String e : exprs) {
      if (!map.containsKey(e) && !errors.containsKey(e)) {
        errors.put(e, "erl printed nothing for it");
      }
    }
    return new ErlVectors(map, errors);
  }

  /**
   * @param expression an Erlang expression given to {@link #produce}
   * @param variant one of {@link #VARIANTS}
   * @return its encoding
   * @throws IllegalStateException when erl could not evaluate it, or it was not asked for
   */
  public Encoded get(String expression, String variant) {
    Map<String, Encoded> m = byExpression.get(expression);
    if (m == null) {
      String why = errors.get(expression);
      throw new IllegalStateException(why != null ? "erl could not evaluate " + expression + ": " + why
          : "no erl vector for " + expression + " (the catalogue walker did not collect it)");
    }
    return m.get(variant);
  }

  /** @return the {@code {minor_version, 2}} encoding of an expression */
  public Encoded mv2(String expression) {
    return get(expression, "mv2");
  }

  /**
   * Writes everything as JSON for the Python engine:
   * {@code {"vectors": {expr: {variant: [hex, canon]}}, "errors": {expr: reason}}}.
   */
  public void writeJson(Path file) throws IOException {
    JsonObject vectors = new JsonObject();
    HexFormat hex = HexFormat.of();
    byExpression.forEach((expr, variants) -> {
      JsonObject v = new JsonObject();
      variants.forEach((name, enc) -> v.put(name, new JsonArray().add(hex.formatHex(enc.bytes())).add(enc.canon())));
      vectors.put(expr, v);
    });
    JsonObject errs = new JsonObject();
    errors.forEach(errs::put);
    Files.writeString(file, new JsonObject().put("vectors", vectors).put("errors", errs).encode());
  }
}
