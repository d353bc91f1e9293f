package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.LimitExceededException;
import io.vertx.core.http.HttpConnection;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * What one client connection may hold in the server, so that one client cannot exhaust it:
 * the channels it creates ({@code max_channels_per_connection}) and the bytes of its sends that
 * wait in the server for an answer ({@code max_pending_bytes_per_connection}: a blocking send on a
 * full channel holds its payload outside the channel's {@code max_size} until there is room).
 *
 * <p>Used from the gRPC server's event loop only (one verticle instance serves every connection).
 * Weak keys: a closed connection's counts go with it.
 */
class ConnectionLimits { // not final: tests inject failures into a real Stream (StreamFailureTest)

  private final int maxChannels;
  private final long maxPendingBytes;
  /** The bound of all connections together ({@code max_pending_bytes}; 0 = none) and their sum. */
  private final long maxPendingTotal;
  private long pendingTotal;
  private final Map<HttpConnection, Integer> created = new WeakHashMap<>();
  private final Map<HttpConnection, long[]> pending = new WeakHashMap<>();

  ConnectionLimits(int maxChannels, long maxPendingBytes, long maxPendingTotal) {
    this.maxChannels = maxChannels;
    this.maxPendingBytes = maxPendingBytes;
    this.maxPendingTotal = maxPendingTotal;
  }

  /** Counts one more channel created by {@code connection}; fails when it is over the limit. */
  void channelCreated(HttpConnection connection) {
    if (maxChannels <= 0) {
      return;
    }
    int n = created.merge(connection, 1, Integer::sum);
    if (n > maxChannels) {
      created.merge(connection, -1, Integer::sum);
      throw new LimitExceededException("this connection already created " + maxChannels
        + " channels, the limit (max_channels_per_connection)");
    }
  }

  /**
   * Reserves {@code bytes} of sends for {@code connection} until {@link #sendsAnswered} gives
   * them back.
   *
   * @return {@code null} when reserved, else why not (the limit would be exceeded)
   */
  String reserveSends(HttpConnection connection, long bytes) {
    // Every connection together first: many connections, each within its own budget, must not
    // exhaust the heap. The total counts only while some of it is held, like the per-connection
    // rule below, so that one send larger than the total still goes through on an idle server.
    if (maxPendingTotal > 0 && pendingTotal > 0 && pendingTotal + bytes > maxPendingTotal) {
      return "the server has " + pendingTotal + " bytes of sends waiting from all connections; " + bytes
        + " more would exceed max_pending_bytes (" + maxPendingTotal + "): retry once earlier sends are answered";
    }
    if (maxPendingBytes <= 0) {
      pendingTotal += bytes;
      return null;
    }
    long[] held = pending.computeIfAbsent(connection, c -> new long[1]);
    // One send larger than the whole limit still goes through when nothing else waits: the
    // message limit (max_message_size) bounds it, and refusing it would make it unsendable.
    if (held[0] > 0 && held[0] + bytes > maxPendingBytes) {
      return "this connection has " + held[0] + " bytes of sends waiting in the server; " + bytes
        + " more would exceed max_pending_bytes_per_connection (" + maxPendingBytes
        + "): wait for earlier sends to be answered";
    }
    held[0] += bytes;
    pendingTotal += bytes;
    return null;
  }

  /**
   * Counts {@code bytes} of sends that may not be refused (reserved sends, S-EXT-RESERVE: the
   * stream's producer credit, itself capped per stream, already bounds them) until
   * {@link #sendsAnswered}; they still count against the connection's other sends.
   */
  void holdSends(HttpConnection connection, long bytes) {
    pendingTotal += bytes;
    if (maxPendingBytes > 0) {
      pending.computeIfAbsent(connection, c -> new long[1])[0] += bytes;
    }
  }

  /** Gives back bytes reserved by {@link #reserveSends}. */
  void sendsAnswered(HttpConnection connection, long bytes) {
    pendingTotal -= bytes; // even when the connection is gone: the total outlives it
    if (maxPendingBytes <= 0) {
      return;
    }
    long[] held = pending.get(connection);
    if (held != null) {
      held[0] -= bytes;
    }
  }
}
