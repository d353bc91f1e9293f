package io.github.vertxchannels.impl;

import io.github.vertxchannels.impl.cluster.ClusterSetup;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

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
      if (arg.equals("--host") || arg.equals("--port")) {
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
    System.exit(2);
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
      return merged;
    }

    @Override
    public VertxBuilder createVertxBuilder(VertxOptions options) {
      VertxBuilder builder = Vertx.builder().with(options);
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
      }
    }

    @Override
    public Supplier<? extends Deployable> verticleSupplier() {
      return ServerVerticle::new;
    }
  }
}
