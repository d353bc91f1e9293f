package io.github.vertxchannels.bench;

import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.grpc.ChannelGrpcVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;

/**
 * The benchmark server: one Vert.x instance with the channel verticle, two channel gRPC
 * endpoints (the default options, and the same with {@code batch_max_messages = 1}, i.e.
 * batching off) and the benchmark control service ({@link BenchVerticle}), each on a free port.
 *
 * <p>{@code java -jar vertx-channels-bench.jar [--host H] [--config JSON]}: {@code --config}
 * overrides options of the batched endpoint (e.g. {@code {"batch_max_bytes": 1048576}}). Prints
 * one JSON line {@code {"ready": true, "channels_port": .., "unbatched_port": .., "bench_port": .., "pid": ..}}
 * when ready; stops when its standard input closes (the driver went away) or on SIGTERM.
 */
public final class BenchServer {

  private BenchServer() {
  }

  /**
   * @param args {@code [--host H] [--config JSON]}
   */
  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    JsonObject overrides = new JsonObject();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--host") && i + 1 < args.length) {
        host = args[++i];
      } else if (args[i].equals("--config") && i + 1 < args.length) {
        overrides = new JsonObject(args[++i]);
      } else {
        System.err.println("usage: BenchServer [--host H] [--config JSON]");
        System.exit(2);
      }
    }
    Vertx vertx = Vertx.vertx();
    ChannelGrpcVerticle batched = new ChannelGrpcVerticle();
    ChannelGrpcVerticle unbatched = new ChannelGrpcVerticle();
    BenchVerticle bench = new BenchVerticle(host);
    JsonObject base = new JsonObject().put("host", host).put("port", 0);
    JsonObject batchedConfig = base.copy().mergeIn(overrides);
    JsonObject unbatchedConfig = batchedConfig.copy().put("batch_max_messages", 1);
    vertx.deployVerticle(new ChannelVerticle())
      .compose(id -> vertx.deployVerticle(batched, new DeploymentOptions().setConfig(batchedConfig)))
      .compose(id -> vertx.deployVerticle(unbatched, new DeploymentOptions().setConfig(unbatchedConfig)))
      .compose(id -> vertx.deployVerticle(bench))
      .onSuccess(id -> {
        System.out.println(new JsonObject()
          .put("ready", true)
          .put("channels_port", batched.actualPort())
          .put("unbatched_port", unbatched.actualPort())
          .put("bench_port", bench.actualPort())
          .put("pid", ProcessHandle.current().pid())
          .put("config", batchedConfig)
          .encode());
        System.out.flush();
      })
      .onFailure(err -> {
        err.printStackTrace();
        System.exit(1);
      });
    // The driver keeps our stdin open; when it goes away, so do we.
    InputStream in = System.in;
    byte[] buf = new byte[256];
    try {
      while (in.read(buf) >= 0) {
        // ignore input
      }
    } catch (IOException e) {
      // stdin closed
    }
    vertx.close().toCompletionStage().toCompletableFuture().get();
    System.exit(0);
  }
}
