package io.github.vertxchannels.impl.grpc;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Detects dead clients: every interval the server PINGs each connection that carries a stream;
 * a connection whose previous PING is still unanswered is closed. Closing resets its streams, so
 * their unacknowledged messages are redelivered within two intervals of the client's death, even
 * when the client's host vanished without a TCP reset (a crash, a network stall, SIGSTOP).
 */
final class Keepalive {

  private static final Buffer PING_DATA = Buffer.buffer(new byte[8]);

  private final Vertx vertx;
  private final long intervalMs;
  private final Set<HttpConnection> watched = Collections.newSetFromMap(new IdentityHashMap<>());

  Keepalive(Vertx vertx, long intervalMs) {
    this.vertx = vertx;
    this.intervalMs = intervalMs;
  }

  /** Starts watching a connection (once per connection; later calls are no-ops). */
  void watch(HttpConnection connection) {
    if (intervalMs <= 0 || !watched.add(connection)) {
      return;
    }
    boolean[] awaiting = {false};
    vertx.setPeriodic(intervalMs, timer -> {
      if (awaiting[0]) {
        vertx.cancelTimer(timer);
        watched.remove(connection);
        connection.close();
        return;
      }
      awaiting[0] = true;
      connection.ping(PING_DATA).onComplete(ar -> {
        if (ar.succeeded()) {
          awaiting[0] = false;
        } else {
          // the connection is gone (closed by either side): stop watching it
          vertx.cancelTimer(timer);
          watched.remove(connection);
        }
      });
    });
  }
}
