package io.github.vertxchannels.impl;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Whether this node (Vert.x instance) is shutting down. Set as soon as either verticle starts
 * stopping, so that the gRPC layer can tell every call still in flight, and every new one, that
 * the server is going away (UNAVAILABLE) rather than what the teardown looks like from inside
 * (an unknown channel, a closed channel, an internal error).
 */
public final class NodeState {

  private static final Map<Vertx, Boolean> STOPPING = Collections.synchronizedMap(new WeakHashMap<>());

  private NodeState() {
  }

  /** Marks {@code vertx} as shutting down (idempotent). */
  public static void markStopping(Vertx vertx) {
    STOPPING.put(vertx, Boolean.TRUE);
  }

  /** @return whether {@code vertx} is shutting down */
  public static boolean isStopping(Vertx vertx) {
    return vertx != null && STOPPING.containsKey(vertx);
  }

  /** @return whether the Vert.x instance of the current context (if any) is shutting down */
  public static boolean isStopping() {
    Context context = Vertx.currentContext();
    return context != null && isStopping(context.owner());
  }
}
