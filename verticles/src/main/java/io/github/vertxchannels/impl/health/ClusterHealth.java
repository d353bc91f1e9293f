package io.github.vertxchannels.impl.health;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Feeds {@link ServingState} with Hazelcast's view of this member: a member that is shutting down
 * (terminated, kicked out) or merging after a split brain is out of its cluster, so its channels
 * may be unreachable from the others and a load balancer should route elsewhere. A separate class:
 * Hazelcast is an optional dependency, loaded only by clustered nodes.
 */
public final class ClusterHealth {

  private ClusterHealth() {
  }

  /**
   * @param vertx the clustered Vert.x
   * @param manager its cluster manager (joined)
   */
  public static void watch(Vertx vertx, HazelcastClusterManager manager) {
    ServingState state = ServingState.of(vertx);
    HazelcastInstance hz = manager.getHazelcastInstance();
    hz.getLifecycleService().addLifecycleListener(event -> {
      LifecycleEvent.LifecycleState s = event.getState();
      switch (s) {
        case SHUTTING_DOWN, SHUTDOWN, MERGING, MERGE_FAILED -> state.clusterLost(true);
        case MERGED -> state.clusterLost(false);
        default -> {
          // STARTING, STARTED, client events: nothing to report
        }
      }
    });
    if (!hz.getLifecycleService().isRunning()) {
      state.clusterLost(true);
    }
  }
}
