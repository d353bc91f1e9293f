package io.github.vertxchannels.conformance.engine;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one table of the run (case × surface: pass / FAIL / skip with its reason), the failures,
 * the rule coverage and the final line {@code conformance: N passed, M failed[, K skipped]}, as
 * text (for the terminal) and as Markdown ({@code target/conformance/latest.md}).
 */
public final class Report {

  /** The columns, in order. */
  public static final List<String> COLUMNS = List.of("java-eventbus", "java-grpc", "python-sync", "python-asyncio",
      "java+python-sync", "java+python-asyncio", "etf-java", "etf-python");

  private final Catalogue catalogue;
  private final List<Engine.Result> results;
  private final List<String> extraFailures;
  private final Set<String> contractRules;
  private final String contractPath;

  /**
   * @param results every verdict, Java's and Python's
   * @param extraFailures failures that are not case-surface pairs (a runner that did not report)
   * @param contractRules the rule ids of sections 2 to 5, or null when the contract was not found
   */
  public Report(Catalogue catalogue, List<Engine.Result> results, List<String> extraFailures,
                Set<String> contractRules, String contractPath) {
    this.catalogue = catalogue;
    this.results = results;
    this.extraFailures = new ArrayList<>(extraFailures);
    this.contractRules = contractRules;
    this.contractPath = contractPath;
    List<String> missing = uncitedRules();
    if (contractRules == null) {
      this.extraFailures.add("rule coverage: the contract (channel-semantics.md) was not found; set CONFORMANCE_CONTRACT");
    } else if (!missing.isEmpty()) {
      this.extraFailures.add("rule coverage: rule ids of sections 2-5 cited by no case: " + String.join(", ", missing));
    }
  }

  /** @return the rule ids of sections 2 to 5 that no case cites */
  public List<String> uncitedRules() {
    List<String> missing = new ArrayList<>();
    if (contractRules != null) {
      Map<String, List<String>> cited = catalogue.citations();
      for (String r : contractRules) {
        if (!cited.containsKey(r)) {
          missing.add(r);
        }
      }
    }
    return missing;
  }

  private List<String> rows() {
    List<String> rows = new ArrayList<>();
    for (Catalogue.Case c : catalogue.all()) {
      for (String k : c.kinds()) {
        rows.add(c.row(k));
      }
    }
    for (Engine.Result r : results) {
      if (!rows.contains(r.row())) {
        rows.add(r.row());
      }
    }
    return rows;
  }

  private Map<String, Engine.Result> cells() {
    Map<String, Engine.Result> m = new HashMap<>();
    results.forEach(r -> m.put(r.row() + "\u0000" + r.column(), r));
    return m;
  }

  private long count(String status) {
    return results.stream().filter(r -> r.status().equals(status)).count();
  }

  /** @return true when nothing failed */
  public boolean ok() {
    return count("fail") == 0 && extraFailures.isEmpty();
  }

  /** @return the final line */
  public String finalLine() {
    long skipped = count("skip");
    return "conformance: " + count("pass") + " passed, " + (count("fail") + extraFailures.size()) + " failed"
        + (skipped > 0 ? ", " + skipped + " skipped" : "");
  }

  private Map<String, Integer> skipNotes() {
    Map<String, Integer> notes = new LinkedHashMap<>();
    for (String row : rows()) {
      for (String col : COLUMNS) {
        Engine.Result r = cells().get(row + "\u0000" + col);
        if (r != null && r.status().equals("skip")) {
          notes.putIfAbsent(r.detail(), notes.size() + 1);
        }
      }
    }
    return notes;
  }

  private String cell(Engine.Result r, Map<String, Integer> notes) {
    if (r == null) {
      return "·";
    }
    return switch (r.status()) {
      case "pass" -> "pass";
      case "fail" -> "FAIL";
      default -> "skip[" + notes.get(r.detail()) + "]";
    };
  }

  /** @return the plain-text report, ending with the final line */
  public String text() {
    Map<String, Integer> notes = skipNotes();
    Map<String, Engine.Result> cells = cells();
    List<String> rows = rows();
    int w = "case".length();
    for (String r : rows) {
      w = Math.max(w, r.length());
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%-" + w + "s", "case"));
    for (String c : COLUMNS) {
      sb.append("  ").append(c);
    }
    sb.append('\n');
    for (String row : rows) {
      sb.append(String.format("%-" + w + "s", row));
      for (String c : COLUMNS) {
        sb.append("  ").append(String.format("%-" + c.length() + "s", cell(cells.get(row + "\u0000" + c), notes)));
      }
      sb.append('\n');
    }
    sb.append("(· = not applicable to that surface)\n");
    if (!notes.isEmpty()) {
      sb.append("\nSkipped, with the reason:\n");
      notes.forEach((reason, n) -> sb.append("  [").append(n).append("] ").append(reason).append('\n'));
    }
    List<String> failures = failureLines();
    if (!failures.isEmpty()) {
      sb.append("\nFailures:\n");
      failures.forEach(f -> sb.append("  ").append(f).append('\n'));
    }
    sb.append('\n').append(coverageLine()).append('\n');
    sb.append(finalLine()).append('\n');
    return sb.toString();
  }

  private List<String> failureLines() {
    List<String> lines = new ArrayList<>();
    for (String row : rows()) {
      for (String col : COLUMNS) {
        Engine.Result r = cells().get(row + "\u0000" + col);
        if (r != null && r.status().equals("fail")) {
          lines.add(row + " × " + col + ": " + r.detail());
        }
      }
    }
    lines.addAll(extraFailures);
    return lines;
  }

  private String coverageLine() {
    if (contractRules == null) {
      return "rule coverage: FAILED, the contract was not found";
    }
    List<String> missing = uncitedRules();
    return missing.isEmpty()
        ? "rule coverage: every one of the " + contractRules.size() + " rule ids of sections 2-5 of " + contractPath
          + " is cited by a case"
        : "rule coverage: FAILED, not cited: " + String.join(", ", missing);
  }

  /** @return the Markdown report */
  public String markdown(String command) {
    Map<String, Integer> notes = skipNotes();
    Map<String, Engine.Result> cells = cells();
    StringBuilder sb = new StringBuilder();
    sb.append("# Conformance results\n\n");
    sb.append("Produced by `").append(command).append("` (see [../README.md](../README.md)). One row per case ")
        .append("(and channel kind), one column per surface: pass, **FAIL**, or skip with its reason below; ")
        .append("· = the case does not apply to that surface.\n\n");
    sb.append("| case |");
    COLUMNS.forEach(c -> sb.append(' ').append(c).append(" |"));
    sb.append("\n|---|");
    COLUMNS.forEach(c -> sb.append(":---:|"));
    sb.append('\n');
    for (String row : rows()) {
      sb.append("| `").append(row).append("` |");
      for (String c : COLUMNS) {
        String v = cell(cells.get(row + "\u0000" + c), notes);
        sb.append(' ').append(v.equals("FAIL") ? "**FAIL**" : v).append(" |");
      }
      sb.append('\n');
    }
    if (!notes.isEmpty()) {
      sb.append("\nSkipped, with the reason:\n\n");
      notes.forEach((reason, n) -> sb.append(n).append(". ").append(reason).append('\n'));
    }
    List<String> failures = failureLines();
    if (!failures.isEmpty()) {
      sb.append("\n## Failures\n\n");
      failures.forEach(f -> sb.append("- ").append(f.replace("|", "\\|")).append('\n'));
    }
    sb.append("\n## Rule coverage\n\n").append(coverageLine()).append("\n\n| rule | cited by |\n|---|---|\n");
    catalogue.citations().forEach((rule, cases) -> sb.append("| ").append(rule).append(" | ")
        .append(String.join(", ", cases.stream().map(x -> "`" + x + "`").toList())).append(" |\n"));
    sb.append("\n```\n").append(finalLine()).append("\n```\n");
    return sb.toString();
  }

  /** Writes every verdict as JSON. */
  public void writeJson(Path file) throws IOException {
    JsonArray a = new JsonArray();
    for (Engine.Result r : results) {
      a.add(new JsonObject().put("row", r.row()).put("column", r.column()).put("status", r.status())
          .put("detail", r.detail()).put("ms", r.millis()));
    }
    Files.writeString(file, new JsonObject().put("results", a).put("other_failures", new JsonArray(extraFailures))
        .put("final", finalLine()).encodePrettily());
  }
}
