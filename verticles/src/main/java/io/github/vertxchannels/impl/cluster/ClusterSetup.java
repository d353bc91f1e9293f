package io.github.vertxchannels.impl.cluster;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.github.vertxchannels.impl.OwnerWatch;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.ArrayList;
import java.util.List;

/**
 * The Hazelcast cluster manager of a vertx-channels node, configured from the {@code cluster}
 * object of the JSON config. The defaults suit nodes on one machine: TCP-IP join on 127.0.0.1
 * (never multicast), bound to 127.0.0.1 only, no join delay, dead members detected within about
 * 5 seconds.
 *
 * <pre>
 * "cluster": {
 *   "name": "vertx-channels",          // nodes join only a cluster of the same name
 *   "interface": "127.0.0.1",          // the address Hazelcast binds and announces
 *   "port": 5701,                      // first Hazelcast port tried (then 5702, ...)
 *   "members": ["127.0.0.1"],          // addresses (host or host:port) to join through
 *   "event_bus_host": "127.0.0.1",     // the clustered event bus's address
 *   "event_bus_port": 0,               // 0 = any free port
 *   "heartbeat_timeout_seconds": 5     // a silent member is removed after this
 * }
 * </pre>
 */
public final class ClusterSetup {

  /** Default cluster name. */
  public static final String DEFAULT_NAME = "vertx-channels";
  /** Default bind/announce address: loopback. */
  public static final String DEFAULT_INTERFACE = "127.0.0.1";
  /** Default first Hazelcast port. */
  public static final int DEFAULT_PORT = 5701;
  /** Default heartbeat timeout after which a silent member is removed. */
  public static final int DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 5;

  private final JsonObject cluster;

  /**
   * @param config the node's whole JSON config (its {@code cluster} object is read)
   */
  public ClusterSetup(JsonObject config) {
    JsonObject c = config == null ? null : config.getJsonObject("cluster");
    this.cluster = c == null ? new JsonObject() : c;
  }

  /** @return the event-bus host of this node */
  public String eventBusHost() {
    return cluster.getString("event_bus_host", cluster.getString("interface", DEFAULT_INTERFACE));
  }

  /** @return the event-bus port of this node (0 = any) */
  public int eventBusPort() {
    return cluster.getInteger("event_bus_port", 0);
  }

  /** @return a cluster manager configured as described in the class comment */
  public HazelcastClusterManager clusterManager() {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster.getString("name", DEFAULT_NAME));
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "jdk");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds",
      Integer.toString(cluster.getInteger("heartbeat_timeout_seconds", DEFAULT_HEARTBEAT_TIMEOUT_SECONDS)));
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.getInteger("port", DEFAULT_PORT)).setPortAutoIncrement(true);
    String iface = cluster.getString("interface", DEFAULT_INTERFACE);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(iface));
    network.setPublicAddress(null);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(members());
    return new HazelcastClusterManager(config);
  }

  private List<String> members() {
    JsonArray array = cluster.getJsonArray("members");
    List<String> members = new ArrayList<>();
    if (array == null || array.isEmpty()) {
      members.add(cluster.getString("interface", DEFAULT_INTERFACE));
    } else {
      array.forEach(m -> members.add(String.valueOf(m)));
    }
    return members;
  }

  /**
   * Feeds the node's {@link OwnerWatch} with cluster membership, once Vert.x has joined.
   *
   * @param vertx the clustered Vert.x
   * @param manager its cluster manager
   */
  public static void watchOwners(Vertx vertx, HazelcastClusterManager manager) {
    OwnerWatch watch = OwnerWatch.of(vertx);
    // Hazelcast member UUIDs throughout (Vert.x's node ids are other UUIDs): the membership events
    // below name members by them.
    Cluster cluster = manager.getHazelcastInstance().getCluster();
    watch.clustered(cluster.getLocalMember().getUuid().toString(),
      () -> cluster.getMembers().stream().map(m -> m.getUuid().toString()).toList());
    cluster.addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        watch.nodeLeft(event.getMember().getUuid().toString());
      }
    });
  }
}
