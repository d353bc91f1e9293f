package io.github.vertxchannels.impl;

import io.github.vertxchannels.grpc.ChannelServerOptions;
import io.github.vertxchannels.impl.cluster.ClusterSetup;
import io.github.vertxchannels.impl.health.ClusterHealth;
import io.github.vertxchannels.impl.health.ServingState;
import io.github.vertxchannels.impl.metrics.MetricsEndpoint;
import io.github.vertxchannels.impl.metrics.MetricsOptions;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code java -jar vertx-channels.jar [--host H] [--port P] [--cluster] [-conf file.json] ...}:
 * the Vert.x application launcher with our own options on top. {@code --host} and {@code --port}
 * override the same keys of the JSON config, and so does the environment variable
 * {@code VERTX_CHANNELS_AUTH_TOKENS} (comma-separated bearer tokens) for {@code auth_tokens};
 * {@code --cluster} joins a Hazelcast cluster
 * configured by the config's {@code cluster} object (loopback defaults, see {@link ClusterSetup});
 * every other argument is the Vert.x launcher's ({@code -conf}, {@code -options}, ...). SIGTERM
 * closes Vert.x, which stops the gRPC server (streams end with UNAVAILABLE) and the channel verticle.
 */
public final class ChannelsLauncher {

  private ChannelsLauncher() {
  }

  /**
   * @param args command-line arguments
   */
  public static void main(String[] args) {
    JsonObject overrides = new JsonObject();
    List<String> rest = new ArrayList<>();
    boolean clustered = false;
    boolean clusterHostGiven = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals("-help") || arg.equals("--help")) {
        System.out.print(USAGE);
        System.exit(0);
      } else if (arg.equals("-conf") || arg.equals("--conf")) {
        if (i + 1 >= args.length) {
          usage(arg + " needs a file or a JSON object");
        }
        checkConf(args[i + 1]);
        rest.add(arg);
        rest.add(args[++i]);
      } else if (arg.startsWith("-conf=") || arg.startsWith("--conf=")) {
        checkConf(arg.substring(arg.indexOf('=') + 1));
        rest.add(arg);
      } else if (arg.equals("--host") || arg.equals("--port")) {
        if (i + 1 >= args.length) {
          usage(arg + " needs a value");
        }
        put(overrides, arg.substring(2), args[++i]);
      } else if (arg.startsWith("--host=") || arg.startsWith("--port=")) {
        int eq = arg.indexOf('=');
        put(overrides, arg.substring(2, eq), arg.substring(eq + 1));
      } else if (arg.equals("--cluster") || arg.equals("-cluster")) {
        clustered = true;
        rest.add("-cluster");
      } else {
        clusterHostGiven |= arg.startsWith("-cluster-host") || arg.startsWith("--cluster-host");
        rest.add(arg);
      }
    }
    // Tokens from the environment rather than the command line, where `ps` would show them.
    String tokens = System.getenv("VERTX_CHANNELS_AUTH_TOKENS");
    if (tokens != null && !tokens.isBlank()) {
      try {
        overrides.put("auth_tokens", new JsonArray(tokensFromEnv(tokens)));
      } catch (IllegalArgumentException e) {
        usage(e.getMessage());
      }
    }
    int code = new VertxApplication(rest.toArray(new String[0]), new Hooks(overrides, clustered, clusterHostGiven)).launch();
    if (code != 0) {
      System.exit(code);
    }
  }

  /** One line per option of ours; the launcher's own help lists Vert.x's options at length. */
  static final String USAGE = String.join(System.lineSeparator(),
    "Usage: java -jar vertx-channels.jar [--host HOST] [--port PORT] [-conf FILE|JSON] [--cluster] [vert.x options]",
    "Runs a vertx-channels server: the channel verticle and its gRPC endpoint.",
    "  --host HOST        address the gRPC server binds (default " + ChannelServerOptions.DEFAULT_HOST + "; overrides config \"host\")",
    "  --port PORT        gRPC port (default " + ChannelServerOptions.DEFAULT_PORT + ", 0 = any free port; overrides config \"port\")",
    "  -conf FILE|JSON    the JSON config: a file, or the JSON object itself (keys: see README)",
    "  --cluster          join a Hazelcast cluster set by the config's \"cluster\" object (loopback by default)",
    "  -options FILE|JSON Vert.x options (event-loop pool size, ...)",
    "  -h, --help         this help",
    "Environment: VERTX_CHANNELS_AUTH_TOKENS=t1,t2 sets the bearer tokens (config \"auth_tokens\").",
    "Other Vert.x launcher options (-cluster-host, -instances, ...) are passed on unchanged.",
    "");

  /**
   * The tokens of {@code VERTX_CHANNELS_AUTH_TOKENS}: comma-separated, each trimmed (so that
   * {@code "a, b"} or the trailing newline of a secrets file do not make a token unusable).
   *
   * @throws IllegalArgumentException for an empty token ({@code "a,,b"}, a trailing comma)
   */
  static List<String> tokensFromEnv(String value) {
    List<String> list = new java.util.ArrayList<>();
    String[] parts = value.split(",", -1);
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].isBlank()) {
        throw new IllegalArgumentException("VERTX_CHANNELS_AUTH_TOKENS: token " + i
          + " is empty (comma-separated tokens, none empty)");
      }
      list.add(parts[i].strip());
    }
    return list;
  }

  private static void usage(String problem) {
    System.err.println("vertx-channels: " + problem);
    System.err.println("vertx-channels: --help lists the options");
    System.exit(2);
  }

  /**
   * The Vert.x launcher only warns about a -conf that is neither a readable JSON file nor a JSON
   * object, and then starts with an empty config: a typo in a path would silently run the defaults.
   */
  private static void checkConf(String value) {
    String text;
    if (value.trim().startsWith("{")) {
      text = value;
    } else {
      Path file = Path.of(value);
      if (!Files.isRegularFile(file)) {
        usage("-conf " + value + ": no such file");
      }
      try {
        text = Files.readString(file);
      } catch (IOException | UncheckedIOException e) {
        usage("-conf " + value + ": cannot read it (" + e.getMessage() + ")");
        return;
      }
    }
    try {
      new JsonObject(text);
    } catch (DecodeException e) {
      usage("-conf " + value + ": not a JSON object (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
  }

  private static void put(JsonObject overrides, String key, String value) {
    if (key.equals("port")) {
      try {
        overrides.put("port", Integer.parseInt(value));
      } catch (NumberFormatException e) {
        usage("--port needs a number, got '" + value + "'");
      }
    } else {
      overrides.put(key, value);
    }
  }

  /** Merges our options into the config and supplies the cluster manager and the main verticle. */
  private static final class Hooks implements VertxApplicationHooks {
    private final JsonObject overrides;
    private final boolean clustered;
    private final boolean clusterHostGiven;
    private ClusterSetup cluster;
    private MetricsOptions metrics;
    private HazelcastClusterManager manager;

    Hooks(JsonObject overrides, boolean clustered, boolean clusterHostGiven) {
      this.overrides = overrides;
      this.clustered = clustered;
      this.clusterHostGiven = clusterHostGiven;
    }

    @Override
    public JsonObject afterConfigParsed(JsonObject config) {
      JsonObject merged = (config == null ? new JsonObject() : config.copy()).mergeIn(overrides);
      try {
        new io.github.vertxchannels.grpc.ChannelServerOptions(merged); // a bad config: one line, no stack trace
      } catch (IllegalArgumentException e) {
        usage("invalid config: " + e.getMessage());
      }
      cluster = new ClusterSetup(merged);
      try {
        metrics = MetricsOptions.fromConfig(merged);
      } catch (IllegalArgumentException e) {
        usage(e.getMessage());
      }
      return merged;
    }

    @Override
    public VertxBuilder createVertxBuilder(VertxOptions options) {
      VertxBuilder builder = Vertx.builder().with(options);
      if (metrics != null && metrics.enabled()) {
        // Vert.x's own meters (HTTP server, event bus, pools) in the registry GET /metrics renders.
        options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true));
        builder.withMetrics(new MicrometerMetricsFactory(MetricsEndpoint.registry()));
      }
      if (clustered) {
        if (!clusterHostGiven) {
          // Never listen beyond the configured interface (loopback by default).
          options.getEventBusOptions().setHost(cluster.eventBusHost()).setPort(cluster.eventBusPort());
        }
        manager = cluster.clusterManager();
        builder.withClusterManager(manager);
      }
      return builder;
    }

    @Override
    public void afterVertxStarted(HookContext context) {
      if (manager != null) {
        ClusterSetup.watchOwners(context.vertx(), manager);
        ClusterHealth.watch(context.vertx(), manager);
      }
    }

    @Override
    public void beforeStoppingVertx(HookContext context) {
      // SIGTERM: health turns NOT_SERVING before anything stops, so that balancers move away first.
      ServingState.of(context.vertx()).draining();
    }

    @Override
    public Supplier<? extends Deployable> verticleSupplier() {
      return ServerVerticle::new;
    }
  }
}
