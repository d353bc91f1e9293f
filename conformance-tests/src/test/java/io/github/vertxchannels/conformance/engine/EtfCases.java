package io.github.vertxchannels.conformance.engine;

import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.EtfException;
import io.github.vertxchannels.etf.Term;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ETF categories of the catalogue on the surface {@code etf-java}
 * ({@link io.github.vertxchannels.etf.Etf}). The same checks run in Python
 * ({@code python/conformance/etf.py}) on {@code etf-python}.
 */
public final class EtfCases {

  /** The surface name. */
  public static final String SURFACE = "etf-java";

  private static final int MAX_REPORTED = 6;

  private final ErlVectors vectors;

  /** @param vectors erl's encodings of every expression {@link #expressions} lists */
  public EtfCases(ErlVectors vectors) {
    this.vectors = vectors;
  }

  /** @return the Erlang expressions of every ETF category */
  public static Set<String> expressions(Catalogue catalogue) {
    Set<String> out = new LinkedHashSet<>();
    for (Catalogue.Case c : catalogue.etfCategories()) {
      JsonObject j = c.json();
      for (Object v : j.getJsonArray("vectors", new JsonArray())) {
        out.add(v instanceof JsonObject o ? o.getString("erl") : (String) v);
      }
      j.getJsonArray("truncate", new JsonArray()).forEach(e -> out.add((String) e));
      for (Object m : j.getJsonArray("mutations", new JsonArray())) {
        JsonObject o = (JsonObject) m;
        out.add(o.getString("of"));
        if (o.containsKey("append_body_of")) {
          out.add(o.getString("append_body_of"));
        }
      }
    }
    return out;
  }

  /** @return the cut points checked for an input of this length (every one up to 200 bytes) */
  public static Set<Integer> cutPoints(int length) {
    Set<Integer> cuts = new TreeSet<>();
    if (length <= 200) {
      for (int i = 0; i < length; i++) {
        cuts.add(i);
      }
      return cuts;
    }
    for (int i = 0; i < 40; i++) {
      cuts.add(i);
      cuts.add(length - 1 - i);
    }
    for (int i = 0; i < 40; i++) {
      cuts.add((int) ((long) length * i / 40));
    }
    return cuts;
  }

  /** Applies a catalogue mutation to erl's encoding of its {@code of} term. */
  public static byte[] mutate(ErlVectors vectors, JsonObject m) {
    byte[] b = vectors.get(m.getString("of"), m.getString("variant", "mv2")).bytes().clone();
    for (Object o : m.getJsonArray("set", new JsonArray())) {
      JsonArray p = (JsonArray) o;
      b[p.getInteger(0)] = (byte) (int) p.getInteger(1);
    }
    for (Object o : m.getJsonArray("add", new JsonArray())) {
      JsonArray p = (JsonArray) o;
      b[p.getInteger(0)] = (byte) (b[p.getInteger(0)] + p.getInteger(1));
    }
    if (m.containsKey("truncate")) {
      b = Arrays.copyOf(b, m.getInteger("truncate"));
    }
    if (m.containsKey("append_hex")) {
      b = Messages.concat(b, HexFormat.of().parseHex(m.getString("append_hex")));
    }
    if (m.containsKey("append_body_of")) {
      byte[] other = vectors.mv2(m.getString("append_body_of")).bytes();
      b = Messages.concat(b, Arrays.copyOfRange(other, 1, other.length));
    }
    return b;
  }

  /** Runs one category. */
  public Engine.Result run(Catalogue.Case category) {
    long t0 = System.nanoTime();
    List<String> failures = new ArrayList<>();
    int[] checks = {0};
    JsonObject j = category.json();
    for (Object v : j.getJsonArray("vectors", new JsonArray())) {
      String expr = v instanceof JsonObject o ? o.getString("erl") : (String) v;
      boolean refused = v instanceof JsonObject o && "refused".equals(o.getString("expect"));
      try {
        if (refused) {
          for (String variant : List.of("default", "mv2", "compressed")) {
            checks[0]++;
            refuse(vectors.get(expr, variant).bytes(), expr + " (" + variant + ")", failures);
          }
        } else {
          accept(expr, failures, checks);
        }
      } catch (RuntimeException e) {
        failures.add(expr + ": " + e);
      }
    }
    for (Object e : j.getJsonArray("truncate", new JsonArray())) {
      String expr = (String) e;
      for (String variant : List.of("mv2", "compressed")) {
        byte[] whole = vectors.get(expr, variant).bytes();
        for (int cut : cutPoints(whole.length)) {
          checks[0]++;
          refuse(Arrays.copyOf(whole, cut), expr + " (" + variant + ") cut to " + cut + " of " + whole.length + " bytes", failures);
        }
      }
    }
    for (Object o : j.getJsonArray("mutations", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      checks[0]++;
      refuse(mutate(vectors, m), m.getString("name"), failures);
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (failures.isEmpty()) {
      return new Engine.Result(category.row(null), SURFACE, "pass", checks[0] + " checks", ms, category.rules());
    }
    String detail = failures.size() + " of " + checks[0] + " checks failed: "
        + String.join("; ", failures.subList(0, Math.min(MAX_REPORTED, failures.size())))
        + (failures.size() > MAX_REPORTED ? "; ..." : "");
    return new Engine.Result(category.row(null), SURFACE, "fail", detail, ms, category.rules());
  }

  private void accept(String expr, List<String> failures, int[] checks) {
    for (String variant : ErlVectors.VARIANTS) {
      ErlVectors.Encoded enc = vectors.get(expr, variant);
      checks[0]++;
      try {
        Etf.validate(enc.bytes());
        String canon = Canonical.of(Etf.decode(enc.bytes()));
        if (!canon.equals(enc.canon())) {
          failures.add(expr + " (" + variant + ") decoded to " + Outcome.abbreviate(canon) + ", erl says "
              + Outcome.abbreviate(enc.canon()));
        }
      } catch (RuntimeException e) {
        failures.add(expr + " (" + variant + ") refused: " + e.getMessage());
        return;
      }
    }
    ErlVectors.Encoded mv2 = vectors.mv2(expr);
    checks[0]++;
    byte[] again = Etf.encodeToBytes(Etf.decode(mv2.bytes()));
    if (!Arrays.equals(again, mv2.bytes())) {
      failures.add(expr + ": re-encoding is not byte-equal to term_to_binary(T, [{minor_version, 2}])");
    }
    // A value built from erl's description encodes to a term erl would read back the same; byte
    // for byte too, except for maps of several keys (built in canonical order, not Erlang's).
    checks[0]++;
    Term built = Canonical.toTerm(mv2.canon());
    byte[] encoded = Etf.encodeToBytes(built);
    if (!Arrays.equals(encoded, mv2.bytes())) {
      boolean multiKeyMap = hasMultiKeyMap(built);
      if (!multiKeyMap || !Canonical.of(Etf.decode(encoded)).equals(mv2.canon())) {
        failures.add(expr + ": the value built in Java encodes differently from term_to_binary(T, [{minor_version, 2}])");
      }
    }
  }

  /** True when the term holds a map of two keys or more (built in canonical, not Erlang, order). */
  static boolean hasMultiKeyMap(Term root) {
    java.util.ArrayDeque<Term> stack = new java.util.ArrayDeque<>();
    stack.push(root);
    while (!stack.isEmpty()) {
      Term t = stack.pop();
      if (t instanceof io.github.vertxchannels.etf.ErlMap m) {
        if (m.size() > 1) {
          return true;
        }
        m.entries().forEach((k, v) -> {
          stack.push(k);
          stack.push(v);
        });
      } else if (t instanceof io.github.vertxchannels.etf.ErlTuple tu) {
        tu.elements().forEach(stack::push);
      } else if (t instanceof io.github.vertxchannels.etf.ErlList l) {
        l.elements().forEach(stack::push);
        if (!l.isProper()) {
          stack.push(l.tail());
        }
      }
    }
    return false;
  }

  private static void refuse(byte[] bytes, String what, List<String> failures) {
    try {
      Etf.validate(bytes);
      failures.add(what + ": accepted by Etf.validate");
      return;
    } catch (EtfException expected) {
      // refused with a clear error
    } catch (RuntimeException | StackOverflowError e) {
      failures.add(what + ": Etf.validate crashed with " + e);
      return;
    }
    try {
      Term t = Etf.decode(bytes);
      failures.add(what + ": decoded to " + Outcome.abbreviate(String.valueOf(t)));
    } catch (EtfException expected) {
      // refused with a clear error
    } catch (RuntimeException | StackOverflowError e) {
      failures.add(what + ": Etf.decode crashed with " + e);
    }
  }
}
