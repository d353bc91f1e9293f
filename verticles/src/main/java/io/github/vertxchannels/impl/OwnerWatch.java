package io.github.vertxchannels.impl;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Knows which cluster nodes own which channels, and tells waiting parties when an owner's node
 * leaves (contract: owner loss fails operations with a distinct error instead of hanging).
 *
 * <p>In a cluster, an owner key starts with a <em>node tag</em> (12 hex digits of the node id)
 * and an underscore, so that the node owning a channel follows from the channel id. The event bus
 * alone cannot tell: a request to a dead node's address may wait until its timeout (forever for a
 * blocking receive), so every request and subscription to a remote owner registers here, and the
 * cluster manager's membership events fail them at once. Single-node instances have no tag and
 * nothing to watch.
 */
public final class OwnerWatch {

  private static final Logger LOG = Logger.getLogger(OwnerWatch.class.getName());
  private static final Map<Vertx, OwnerWatch> WATCHES = new WeakHashMap<>();

  private volatile String localTag;
  private volatile Supplier<List<String>> members;
  /** Node tag -> callbacks of parties waiting on an owner of that node. */
  private final Map<String, Set<Lost>> waiting = new ConcurrentHashMap<>();

  private OwnerWatch() {
  }

  /** @return the watch of a Vert.x instance (one per instance) */
  public static OwnerWatch of(Vertx vertx) {
    synchronized (WATCHES) {
      return WATCHES.computeIfAbsent(vertx, v -> new OwnerWatch());
    }
  }

  /**
   * Makes this watch cluster-aware: called once the cluster manager has joined.
   *
   * @param localNodeId this node's id
   * @param members the ids of the nodes currently in the cluster
   */
  public void clustered(String localNodeId, Supplier<List<String>> members) {
    this.localTag = tagOfNode(localNodeId);
    this.members = members;
  }

  /** Called by the cluster manager's membership listener when a node leaves. */
  public void nodeLeft(String nodeId) {
    int failed = nodeLeftByTag(tagOfNode(nodeId));
    LOG.info("cluster node " + nodeId + " left: the channels it owned are lost; " + failed + " waiting operations failed");
  }

  /** @return the owner-key prefix for a new owner on this node ("" when not clustered) */
  public String ownerKeyPrefix() {
    String tag = localTag;
    return tag == null ? "" : tag + "_";
  }

  /** @return whether the node owning {@code ownerKey} is known to have left the cluster */
  public boolean isLost(String ownerKey) {
    String tag = tagOfKey(ownerKey);
    Supplier<List<String>> m = members;
    if (tag == null || m == null || tag.equals(localTag)) {
      return false;
    }
    for (String node : m.get()) {
      if (tag.equals(tagOfNode(node))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Runs {@code onLost} on the caller's context if the node owning {@code ownerKey} leaves before
   * the returned registration is cancelled. Nothing is registered for local or unclustered owners.
   */
  public Registration whenLost(String ownerKey, Context context, Runnable onLost) {
    String tag = tagOfKey(ownerKey);
    if (tag == null || localTag == null || tag.equals(localTag)) {
      return Registration.NONE;
    }
    Lost lost = new Lost(context, onLost);
    waiting.computeIfAbsent(tag, t -> ConcurrentHashMap.newKeySet()).add(lost);
    if (isLost(ownerKey)) {
      nodeLeftByTag(tag);
    }
    return () -> {
      Set<Lost> set = waiting.get(tag);
      if (set != null) {
        set.remove(lost);
      }
    };
  }

  private int nodeLeftByTag(String tag) {
    Set<Lost> lost = waiting.remove(tag);
    if (lost == null) {
      return 0;
    }
    lost.forEach(Lost::fire);
    return lost.size();
  }

  static String tagOfNode(String nodeId) {
    String hex = nodeId.replace("-", "");
    return hex.length() >= 12 ? hex.substring(0, 12) : hex;
  }

  static String tagOfKey(String ownerKey) {
    int sep = ownerKey == null ? -1 : ownerKey.indexOf('_');
    if (sep != 12) {
      return null;
    }
    for (int i = 0; i < 12; i++) {
      if (Character.digit(ownerKey.charAt(i), 16) < 0) {
        return null;
      }
    }
    return ownerKey.substring(0, 12);
  }

  /** A cancellable registration. */
  @FunctionalInterface
  public interface Registration {
    /** No registration. */
    Registration NONE = () -> { };

    /** Stops watching. */
    void cancel();
  }

  private static final class Lost {
    private final Context context;
    private final Runnable callback;

    Lost(Context context, Runnable callback) {
      this.context = context;
      this.callback = callback;
    }

    void fire() {
      context.runOnContext(v -> callback.run());
    }
  }
}
