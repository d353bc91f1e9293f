package io.github.vertxchannels.impl.health;

import io.vertx.core.Vertx;

import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Whether this node serves, as the gRPC health service reports it: NOT_SERVING while starting,
 * SERVING once the gRPC endpoint listens, NOT_SERVING again while draining (SIGTERM, undeploy) and
 * while the node is out of its cluster. One per Vert.x instance, like
 * {@link io.github.vertxchannels.impl.OwnerWatch}: the cluster listener and the gRPC verticle find
 * the same one.
 *
 * <p>Changes come from any thread (Hazelcast's, an event loop); the state is three volatile flags
 * and listeners are told the new state on the caller's thread, so a listener must hop to its own
 * context itself.
 */
public final class ServingState {

  private static final Logger LOG = Logger.getLogger(ServingState.class.getName());
  private static final Map<Vertx, ServingState> STATES = new WeakHashMap<>();

  /** What a watcher is told. */
  public record Snapshot(boolean serving, boolean draining, String reason) {
  }

  private volatile boolean ready;
  private volatile boolean draining;
  private volatile boolean clusterLost;
  private final Set<Consumer<Snapshot>> listeners = ConcurrentHashMap.newKeySet();

  private ServingState() {
  }

  /** @return the state of a Vert.x instance (one per instance) */
  public static ServingState of(Vertx vertx) {
    synchronized (STATES) {
      return STATES.computeIfAbsent(vertx, v -> new ServingState());
    }
  }

  /** @return the current state */
  public Snapshot snapshot() {
    boolean d = draining;
    boolean lost = clusterLost;
    boolean r = ready;
    String reason = d ? "draining" : lost ? "cluster membership lost" : !r ? "starting" : "serving";
    return new Snapshot(r && !d && !lost, d, reason);
  }

  /** The gRPC endpoint listens: serving unless draining or out of the cluster. */
  public void ready() {
    ready = true;
    draining = false;
    changed();
  }

  /** The node stops: not serving from now on (watchers are told, then their streams end). */
  public void draining() {
    draining = true;
    changed();
  }

  /**
   * @param lost true when this node left (or was cut from) its cluster, false when it is back
   */
  public void clusterLost(boolean lost) {
    if (clusterLost != lost) {
      clusterLost = lost;
      LOG.info("event=cluster_membership lost=" + lost);
      changed();
    }
  }

  /**
   * @param listener told every change, on the thread that made it
   * @return removes the listener
   */
  public Runnable watch(Consumer<Snapshot> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private void changed() {
    Snapshot s = snapshot();
    listeners.forEach(l -> l.accept(s));
  }
}
