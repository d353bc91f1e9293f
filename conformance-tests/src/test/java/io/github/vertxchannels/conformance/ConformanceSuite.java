package io.github.vertxchannels.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.conformance.engine.Catalogue;
import io.github.vertxchannels.conformance.engine.Engine;
import io.github.vertxchannels.conformance.engine.ErlVectors;
import io.github.vertxchannels.conformance.engine.EtfCases;
import io.github.vertxchannels.conformance.engine.Report;
import io.github.vertxchannels.conformance.engine.Surface;
import io.github.vertxchannels.conformance.surfaces.EventBusSurface;
import io.github.vertxchannels.conformance.surfaces.GrpcSurface;
import io.github.vertxchannels.conformance.surfaces.PythonAgent;
import io.github.vertxchannels.conformance.surfaces.PythonAgentSurface;
import io.github.vertxchannels.grpc.ChannelGrpcVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance run: one server, every surface, one table.
 *
 * <ol>
 *   <li>reads the catalogue ({@code cases/}) and the contract's rule ids;
 *   <li>has erl produce every term the catalogue needs ({@code erl/vectors.escript});
 *   <li>hosts the server in this JVM: a {@link ChannelVerticle} and a {@link ChannelGrpcVerticle} on
 *       an ephemeral loopback port, and a second node with a small memory budget
 *       ({@code max_total_bytes}) in its own Vert.x for the cases marked {@code "node": "bounded"};
 *   <li>starts the Python runner ({@code python/run_conformance.py}) against that port: it runs the
 *       catalogue on python-sync, python-asyncio and etf-python while this JVM runs it on
 *       java-eventbus, java-grpc and etf-java;
 *   <li>runs the cross-language cases with the Python engine as an agent subprocess;
 *   <li>merges everything into {@code target/conformance/report.txt} and {@code target/conformance/latest.md}
 *       (a run never rewrites tracked files; {@code make conformance-publish} copies the Markdown to
 *       {@code results/latest.md}, the committed example).
 * </ol>
 *
 * Each verdict then becomes one dynamic test, so that Maven's own report agrees with the table.
 */
class ConformanceSuite {

  private static final Path ROOT = Path.of(System.getProperty("conformance.root", ".")).toAbsolutePath().normalize();
  private static final Path OUT = ROOT.resolve("target/conformance");
  /** max_total_bytes of the bounded node (S-EXT-MEMORY cases): 1 MiB, a few large messages. */
  static final long BOUNDED_NODE_BYTES = 1024 * 1024;

  private static final String PYTHON = System.getProperty("conformance.python", "/usr/bin/python3");

  @TestFactory
  Stream<DynamicTest> conformance() throws Exception {
    Files.createDirectories(OUT);
    Catalogue catalogue = Catalogue.load(ROOT.resolve("cases"));
    Path contract = findContract();
    Set<String> rules = contract == null ? null : Catalogue.contractRules(contract);

    Set<String> expressions = new LinkedHashSet<>(Engine.expressions(catalogue));
    expressions.addAll(EtfCases.expressions(catalogue));
    ErlVectors vectors = ErlVectors.produce(ROOT.resolve("erl/vectors.escript"), expressions, OUT);
    Path vectorsJson = OUT.resolve("vectors.json");
    vectors.writeJson(vectorsJson);

    List<Engine.Result> results = new ArrayList<>();
    List<String> otherFailures = new ArrayList<>();
    Vertx vertx = Vertx.vertx();
    // The node of the cases marked "node": "bounded" (S-EXT-MEMORY): its own Vert.x, so that what
    // those cases fill is another node's memory and never makes a concurrent case see busy.
    Vertx boundedVertx = Vertx.vertx();
    try {
      String target = serve(vertx, new JsonObject());
      String boundedTarget = serve(boundedVertx, new JsonObject().put("max_total_bytes", BOUNDED_NODE_BYTES));

      Path pythonResults = OUT.resolve("python-results.json");
      Files.deleteIfExists(pythonResults);
      Process pythonRunner = python(List.of("run", "--target", target, "--cases", ROOT.resolve("cases").toString(),
          "--vectors", vectorsJson.toString(), "--out", pythonResults.toString(), "--bounded-target", boundedTarget))
          .redirectOutput(OUT.resolve("python-runner.log").toFile())
          .redirectErrorStream(true).start();

      try (Engine engine = new Engine(catalogue, vectors, address -> probe(vertx, address));
           EventBusSurface eventBus = new EventBusSurface(vertx);
           GrpcSurface grpcSurface = new GrpcSurface(target);
           EventBusSurface boundedEventBus = new EventBusSurface(boundedVertx);
           GrpcSurface boundedGrpc = new GrpcSurface(boundedTarget)) {
        for (Catalogue.Case c : catalogue.channelCases()) {
          boolean bounded = isBoundedNode(c);
          for (String kind : c.kinds()) {
            for (Surface s : bounded ? List.of(boundedEventBus, boundedGrpc) : List.of(eventBus, grpcSurface)) {
              results.add(engine.run(c, kind, s.name(), Map.of("default", s)));
            }
          }
        }
        EtfCases etf = new EtfCases(vectors);
        for (Catalogue.Case c : catalogue.etfCategories()) {
          results.add(etf.run(c));
        }
        try (PythonAgent agent = PythonAgent.start(pythonCommand(List.of("agent", "--target", target)),
            pythonPath(), OUT.resolve("python-agent.log"))) {
          for (String py : List.of("python-sync", "python-asyncio")) {
            PythonAgentSurface pySurface = new PythonAgentSurface(agent, py);
            for (Catalogue.Case c : catalogue.crossCases()) {
              for (String kind : c.kinds()) {
                results.add(engine.run(c, kind, "java+" + py, Map.of("java", eventBus, "python", pySurface)));
              }
            }
          }
        } catch (IOException e) {
          otherFailures.add("the Python agent did not start (cross-language cases not run): " + e.getMessage()
              + "; see " + OUT.resolve("python-agent.log"));
        }
      }

      if (!pythonRunner.waitFor(600, TimeUnit.SECONDS)) {
        pythonRunner.destroyForcibly();
        otherFailures.add("the Python runner did not finish within 600 s; see " + OUT.resolve("python-runner.log"));
      } else if (!Files.exists(pythonResults)) {
        otherFailures.add("the Python runner wrote no results (exit " + pythonRunner.exitValue() + "); see "
            + OUT.resolve("python-runner.log"));
      } else {
        JsonObject py = new JsonObject(Files.readString(pythonResults));
        for (Object o : py.getJsonArray("results")) {
          JsonObject r = (JsonObject) o;
          results.add(new Engine.Result(r.getString("row"), r.getString("column"), r.getString("status"),
              r.getString("detail"), r.getLong("ms", 0L), List.of()));
        }
        for (Object o : py.getJsonArray("other_failures", new JsonArray())) {
          otherFailures.add("python: " + o);
        }
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      boundedVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    Report report = new Report(catalogue, results, otherFailures, rules,
        contract == null ? null : shown(contract));
    Files.writeString(OUT.resolve("report.txt"), report.text());
    Files.writeString(OUT.resolve("latest.md"), report.markdown("make conformance"));
    report.writeJson(OUT.resolve("results.json"));

    List<DynamicTest> tests = new ArrayList<>();
    for (Engine.Result r : results) {
      tests.add(DynamicTest.dynamicTest(r.row() + " × " + r.column(), () -> {
        if (r.status().equals("skip")) {
          Assumptions.abort(r.detail());
        } else if (!r.passed()) {
          fail(r.detail());
        }
      }));
    }
    for (String f : otherFailures) {
      tests.add(DynamicTest.dynamicTest(f.length() > 80 ? f.substring(0, 80) : f, () -> fail(f)));
    }
    if (!report.uncitedRules().isEmpty() || rules == null) {
      tests.add(DynamicTest.dynamicTest("every rule id of sections 2-5 is cited",
          () -> fail("not cited: " + report.uncitedRules() + (rules == null ? " (contract not found)" : ""))));
    }
    return tests.stream();
  }

  /**
   * Deploys a node (channel verticle + gRPC server on an ephemeral loopback port) in {@code vertx}
   * with {@code extra} config, and returns its gRPC target.
   */
  private static String serve(Vertx vertx, JsonObject extra) throws Exception {
    DeploymentOptions options = new DeploymentOptions().setConfig(new JsonObject().put("port", 0)
        .put("max_channel_size", 0) // S-NEW-1: max_size 0 is unlimited (the server caps it by default)
        .mergeIn(extra));
    ChannelGrpcVerticle grpc = new ChannelGrpcVerticle();
    vertx.deployVerticle(new ChannelVerticle(), options).compose(id -> vertx.deployVerticle(grpc, options))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    return "127.0.0.1:" + grpc.actualPort();
  }

  /** A case marked {@code "node": "bounded"} runs on the node whose memory is {@link #BOUNDED_NODE_BYTES}. */
  static boolean isBoundedNode(Catalogue.Case c) {
    String node = c.json().getString("node", "default");
    if (!node.equals("default") && !node.equals("bounded")) {
      throw new IllegalArgumentException(c.name() + ": node must be \"default\" or \"bounded\", got " + node);
    }
    return node.equals("bounded");
  }

  /** Starts consuming an event-bus address (S-EXT-REPLY) and returns what arrives there. */
  private static BlockingQueue<byte[]> probe(Vertx vertx, String address) {
    BlockingQueue<byte[]> q = new LinkedBlockingQueue<>();
    vertx.eventBus().consumer(address, m -> {
      Object body = m.body();
      if (body instanceof io.vertx.core.buffer.Buffer b) {
        q.add(b.getBytes());
      } else if (body instanceof byte[] b) {
        q.add(b);
      }
    });
    return q;
  }

  /**
   * The contract: {@code -Dconformance.contract}, then {@code $CONFORMANCE_CONTRACT}, else the copy
   * in the repository, {@code proto/channel-semantics.md}. Nothing outside the checkout is looked at,
   * so that the run means the same on every machine.
   */
  static Path findContract() {
    String prop = System.getProperty("conformance.contract", "");
    String env = System.getenv("CONFORMANCE_CONTRACT");
    Path chosen;
    if (!prop.isBlank()) {
      chosen = Path.of(prop);
    } else if (env != null && !env.isBlank()) {
      chosen = Path.of(env);
    } else {
      chosen = ROOT.resolveSibling("proto").resolve("channel-semantics.md");
    }
    return Files.isRegularFile(chosen) ? chosen.toAbsolutePath() : null;
  }

  /** The contract's path relative to the checkout when it is inside it (the report is the same everywhere). */
  private static String shown(Path contract) {
    Path repo = ROOT.getParent();
    return contract.startsWith(repo) ? repo.relativize(contract).toString() : contract.toString();
  }

  private static String pythonPath() {
    return ROOT.getParent().resolve("python-grpc-client") + ":" + ROOT.resolve("python");
  }

  private static List<String> pythonCommand(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, ROOT.resolve("python/run_conformance.py").toString()));
    cmd.addAll(args);
    return cmd;
  }

  private static ProcessBuilder python(List<String> args) {
    ProcessBuilder pb = new ProcessBuilder(pythonCommand(args));
    pb.environment().put("PYTHONPATH", pythonPath());
    pb.environment().put("PYTHONUNBUFFERED", "1");
    String contract = findContract() == null ? "" : findContract().toString();
    pb.environment().put("CONFORMANCE_CONTRACT", contract);
    return pb;
  }
}
