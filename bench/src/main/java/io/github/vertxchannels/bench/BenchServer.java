package io.github.vertxchannels.bench;

import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.grpc.ChannelGrpcVerticle;
import io.github.vertxchannels.impl.cluster.ClusterSetup;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.io.InputStream;

/**
 * The benchmark server: one Vert.x instance with the channel verticle, two channel gRPC
 * endpoints (the default options, and the same with {@code batch_max_messages = 1}, i.e.
 * batching off) and the benchmark control service ({@link BenchVerticle}), each on a free port.
 *
 * <p>{@code java -jar vertx-channels-bench.jar [--host H] [--config JSON] [--cluster [--cluster-config JSON]]}:
 * {@code --config} overrides options of the batched endpoint (e.g. {@code {"batch_max_bytes": 1048576}}).
 * {@code --cluster} makes the Vert.x instance clustered (Hazelcast), configured by
 * {@code --cluster-config}, the {@code cluster} object of the product's config (name, interface,
 * port, members, ...; see {@link ClusterSetup}, whose loopback defaults apply: TCP-IP join on
 * 127.0.0.1, never multicast, nothing bound beyond 127.0.0.1). The benchmark's cross-node section
 * starts two such servers. Prints one JSON line
 * {@code {"ready": true, "channels_port": .., "unbatched_port": .., "bench_port": .., "pid": .., "cluster_members": ..}}
 * when ready; stops when its standard input closes (the driver went away) or on SIGTERM.
 */
public final class BenchServer {

  private BenchServer() {
  }

  /**
   * @param args {@code [--host H] [--config JSON] [--cluster] [--cluster-config JSON]}
   */
  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    JsonObject overrides = new JsonObject();
    boolean clustered = false;
    JsonObject clusterConfig = new JsonObject();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--host") && i + 1 < args.length) {
        host = args[++i];
      } else if (args[i].equals("--config") && i + 1 < args.length) {
        overrides = new JsonObject(args[++i]);
      } else if (args[i].equals("--cluster")) {
        clustered = true;
      } else if (args[i].equals("--cluster-config") && i + 1 < args.length) {
        clusterConfig = new JsonObject(args[++i]);
      } else {
        System.err.println("usage: BenchServer [--host H] [--config JSON] [--cluster [--cluster-config JSON]]");
        System.exit(2);
      }
    }
    HazelcastClusterManager manager = null;
    Vertx vertx;
    if (clustered) {
      // The product's cluster setup (as ChannelsLauncher --cluster does), not a copy of it: the
      // cross-node figures are those of the Hazelcast and event-bus configuration users get.
      ClusterSetup setup = new ClusterSetup(new JsonObject().put("cluster", clusterConfig));
      VertxOptions options = new VertxOptions();
      // The clustered event bus listens on the cluster interface only (loopback by default).
      options.getEventBusOptions().setHost(setup.eventBusHost()).setPort(setup.eventBusPort());
      manager = setup.clusterManager();
      vertx = Vertx.builder().with(options).withClusterManager(manager).buildClustered()
        .toCompletionStage().toCompletableFuture().get();
      // Before the channel verticle is deployed: its owner key takes this node's tag from here,
      // which is how the other node routes operations on its channels to it.
      ClusterSetup.watchOwners(vertx, manager);
    } else {
      vertx = Vertx.vertx();
    }
    HazelcastClusterManager cluster = manager;
    ChannelGrpcVerticle batched = new ChannelGrpcVerticle();
    ChannelGrpcVerticle unbatched = new ChannelGrpcVerticle();
    BenchVerticle bench = new BenchVerticle(host);
    // max_channel_size 0: the drain cells fill an unlimited channel completely (up to 512 MiB)
    // before reading it; the server's default cap (256 MiB) would block that fill forever.
    JsonObject base = new JsonObject().put("host", host).put("port", 0).put("max_channel_size", 0);
    JsonObject batchedConfig = base.copy().mergeIn(overrides);
    JsonObject unbatchedConfig = batchedConfig.copy().put("batch_max_messages", 1);
    vertx.deployVerticle(new ChannelVerticle())
      .compose(id -> vertx.deployVerticle(batched, new DeploymentOptions().setConfig(batchedConfig)))
      .compose(id -> vertx.deployVerticle(unbatched, new DeploymentOptions().setConfig(unbatchedConfig)))
      .compose(id -> vertx.deployVerticle(bench))
      .onSuccess(id -> {
        JsonObject ready = new JsonObject()
          .put("ready", true)
          .put("channels_port", batched.actualPort())
          .put("unbatched_port", unbatched.actualPort())
          .put("bench_port", bench.actualPort())
          .put("pid", ProcessHandle.current().pid())
          .put("config", batchedConfig);
        if (cluster != null) {
          // The driver checks that the second node has joined the first one.
          ready.put("cluster_members", cluster.getNodes().size()).put("node_id", cluster.getNodeId());
        }
        System.out.println(ready.encode());
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
    // Closing a clustered Vert.x also leaves the cluster (the other node sees this node go).
    vertx.close().toCompletionStage().toCompletableFuture().get();
    System.exit(0);
  }
}
