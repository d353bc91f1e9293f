package io.github.vertxchannels.impl;

import io.vertx.core.Deployable;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code java -jar vertx-channels.jar [--host H] [--port P] [-conf file.json] [--cluster] ...}:
 * the Vert.x application launcher with our own options on top. {@code --host} and {@code --port}
 * override the same keys of the JSON config; every other argument is the Vert.x launcher's
 * ({@code -conf}, {@code -cluster}, {@code -options}, ...). SIGTERM closes Vert.x, which stops the
 * gRPC server (streams end with UNAVAILABLE) and the channel verticle.
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
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--host") || arg.equals("--port")) {
        if (i + 1 >= args.length) {
          System.err.println("vertx-channels: " + arg + " needs a value");
          System.exit(2);
        }
        put(overrides, arg.substring(2), args[++i]);
      } else if (arg.startsWith("--host=") || arg.startsWith("--port=")) {
        int eq = arg.indexOf('=');
        put(overrides, arg.substring(2, eq), arg.substring(eq + 1));
      } else if (arg.equals("--cluster")) {
        rest.add("-cluster");
      } else {
        rest.add(arg);
      }
    }
    VertxApplicationHooks hooks = new VertxApplicationHooks() {
      @Override
      public JsonObject afterConfigParsed(JsonObject config) {
        JsonObject merged = config == null ? new JsonObject() : config.copy();
        return merged.mergeIn(overrides);
      }

      @Override
      public Supplier<? extends Deployable> verticleSupplier() {
        return ServerVerticle::new;
      }
    };
    int code = new VertxApplication(rest.toArray(new String[0]), hooks).launch();
    if (code != 0) {
      System.exit(code);
    }
  }

  private static void put(JsonObject overrides, String key, String value) {
    if (key.equals("port")) {
      try {
        overrides.put("port", Integer.parseInt(value));
      } catch (NumberFormatException e) {
        System.err.println("vertx-channels: --port needs a number, got '" + value + "'");
        System.exit(2);
      }
    } else {
      overrides.put(key, value);
    }
  }
}
