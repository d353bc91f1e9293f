package io.github.vertxchannels.conformance.engine;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The case catalogue ({@code cases/*.json}), written once as data and read by both engines:
 * behaviour cases ({@code channel.json}), cross-language cases ({@code cross_language.json}) and
 * ETF categories ({@code etf.json}).
 */
public final class Catalogue {

  /** The kinds a behaviour case runs for when it does not say. */
  public static final List<String> BOTH_KINDS = List.of("term", "bytes");

  /**
   * One case.
   *
   * @param group {@code channel}, {@code cross} or {@code etf}
   * @param name the behaviour, in words
   * @param kinds the channel kinds it runs for (one table row each)
   * @param rules the contract rule ids it checks
   * @param roles for a cross-language case, its parties ({@code java}, {@code python}), first = default
   * @param needs capabilities it needs beyond the basics (see {@link Surface})
   * @param json the case as written
   */
  public record Case(String group, String name, List<String> kinds, List<String> rules, List<String> roles,
                     List<String> needs, JsonObject json) {

    /** @return the table row for one kind */
    public String row(String kind) {
      String prefix = group.equals("channel") ? "" : group + "/";
      return kind == null ? prefix + name : prefix + name + " [" + kind + "]";
    }

    /** @return the steps */
    public JsonArray steps() {
      return json.getJsonArray("steps", new JsonArray());
    }
  }

  private final Path dir;
  private final List<Case> channelCases = new ArrayList<>();
  private final List<Case> crossCases = new ArrayList<>();
  private final List<Case> etfCategories = new ArrayList<>();
  private final Map<String, List<String>> valueSets = new LinkedHashMap<>();

  private Catalogue(Path dir) {
    this.dir = dir;
  }

  /** Loads {@code dir/channel.json}, {@code dir/cross_language.json} and {@code dir/etf.json}. */
  public static Catalogue load(Path dir) throws IOException {
    Catalogue c = new Catalogue(dir);
    JsonObject channel = read(dir.resolve("channel.json"));
    for (Object o : channel.getJsonArray("cases")) {
      c.channelCases.add(toCase("channel", (JsonObject) o, BOTH_KINDS));
    }
    JsonObject cross = read(dir.resolve("cross_language.json"));
    JsonObject sets = cross.getJsonObject("values", new JsonObject());
    for (String name : sets.fieldNames()) {
      List<String> values = new ArrayList<>();
      sets.getJsonArray(name).forEach(v -> values.add((String) v));
      c.valueSets.put(name, values);
    }
    for (Object o : cross.getJsonArray("cases")) {
      c.crossCases.add(toCase("x", (JsonObject) o, BOTH_KINDS));
    }
    JsonObject etf = read(dir.resolve("etf.json"));
    for (Object o : etf.getJsonArray("categories")) {
      JsonObject j = (JsonObject) o;
      c.etfCategories.add(new Case("etf", j.getString("name"), java.util.Collections.singletonList(null),
          strings(j.getJsonArray("rules")), List.of(), List.of(), j));
    }
    c.checkNames();
    return c;
  }

  private static Case toCase(String group, JsonObject j, List<String> defaultKinds) {
    if (j.getString("name") == null || j.getJsonArray("rules") == null || j.getJsonArray("rules").isEmpty()) {
      throw new IllegalArgumentException("a case needs a name and at least one rule id: " + j.encode());
    }
    List<String> kinds = j.containsKey("kinds") ? strings(j.getJsonArray("kinds")) : defaultKinds;
    List<String> roles = j.containsKey("roles") ? strings(j.getJsonArray("roles")) : List.of("default");
    List<String> needs = j.containsKey("needs") ? strings(j.getJsonArray("needs")) : List.of();
    return new Case(group, j.getString("name"), kinds, strings(j.getJsonArray("rules")), roles, needs, j);
  }

  private void checkNames() {
    Set<String> seen = new TreeSet<>();
    for (Case c : all()) {
      if (!seen.add(c.group() + "/" + c.name())) {
        throw new IllegalArgumentException("two cases are named " + c.name());
      }
    }
  }

  private static JsonObject read(Path file) throws IOException {
    return new JsonObject(Files.readString(file));
  }

  static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>();
    a.forEach(x -> out.add((String) x));
    return out;
  }

  /** @return the directory the catalogue was read from */
  public Path dir() {
    return dir;
  }

  /** @return the behaviour cases */
  public List<Case> channelCases() {
    return channelCases;
  }

  /** @return the cross-language cases */
  public List<Case> crossCases() {
    return crossCases;
  }

  /** @return the ETF categories */
  public List<Case> etfCategories() {
    return etfCategories;
  }

  /** @return every case and category */
  public List<Case> all() {
    List<Case> all = new ArrayList<>(channelCases);
    all.addAll(crossCases);
    all.addAll(etfCategories);
    return all;
  }

  /** @return the Erlang expressions of a named value set of the cross-language cases */
  public List<String> valueSet(String name) {
    List<String> v = valueSets.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no value set named " + name);
    }
    return v;
  }

  /** @return rule id to the rows of the cases citing it */
  public Map<String, List<String>> citations() {
    Map<String, List<String>> m = new TreeMap<>();
    for (Case c : all()) {
      for (String r : c.rules()) {
        m.computeIfAbsent(r, k -> new ArrayList<>()).add(c.row(null));
      }
    }
    return m;
  }

  private static final Pattern RULE = Pattern.compile("^\\s*-\\s+(S-[A-Z]+(?:-[A-Z0-9]+)+)\\.", Pattern.MULTILINE);
  private static final Pattern SECTION = Pattern.compile("^## (\\d+)\\.", Pattern.MULTILINE);

  /**
   * The rule ids the contract defines in its sections 2 to 5 (a rule is defined by a list item
   * starting with its id, e.g. {@code - S-SEND-1. ...}).
   */
  public static Set<String> contractRules(Path contract) throws IOException {
    String text = Files.readString(contract);
    Set<String> rules = new LinkedHashSet<>();
    Matcher sections = SECTION.matcher(text);
    List<int[]> ranges = new ArrayList<>();
    int start = -1;
    while (sections.find()) {
      int n = Integer.parseInt(sections.group(1));
      if (start >= 0) {
        ranges.add(new int[] {start, sections.start()});
        start = -1;
      }
      if (n >= 2 && n <= 5) {
        start = sections.start();
      }
    }
    if (start >= 0) {
      ranges.add(new int[] {start, text.length()});
    }
    for (int[] r : ranges) {
      Matcher m = RULE.matcher(text.substring(r[0], r[1]));
      while (m.find()) {
        rules.add(m.group(1));
      }
    }
    return rules;
  }
}
