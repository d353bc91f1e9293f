package io.github.vertxchannels.impl.metrics;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Structured log lines, {@code event=NAME key=value ...} (values with spaces or quotes are quoted),
 * through the JDK logging the server already uses (logger {@code io.github.vertxchannels.events}),
 * so that log shippers can parse them without a JSON encoder on the event loop.
 */
public final class Events {

  private static final Logger LOG = Logger.getLogger("io.github.vertxchannels.events");

  private Events() {
  }

  /** A client connection opened. */
  public static void connectionOpened(Object remote, Object local) {
    log(Level.INFO, "grpc_connection_open", "remote", remote, "local", local);
  }

  /** A client connection closed. */
  public static void connectionClosed(Object remote) {
    log(Level.INFO, "grpc_connection_close", "remote", remote);
  }

  /** A call without a valid bearer token was refused. */
  public static void authFailure(Object remote, String path) {
    log(Level.WARNING, "auth_failure", "remote", remote, "method", path);
  }

  /** A call was refused because a limit was reached. */
  public static void limitRefused(String message) {
    log(Level.INFO, "limit_refused", "message", message);
  }

  /** Logs {@code event=NAME k1=v1 k2=v2 ...}. */
  public static void log(Level level, String event, Object... keyValues) {
    if (!LOG.isLoggable(level)) {
      return;
    }
    StringBuilder sb = new StringBuilder("event=").append(event);
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      sb.append(' ').append(keyValues[i]).append('=').append(value(keyValues[i + 1]));
    }
    LOG.log(level, sb.toString());
  }

  private static String value(Object v) {
    String s = String.valueOf(v);
    if (s.isEmpty() || s.chars().anyMatch(c -> c == ' ' || c == '"' || c == '=' || c < 0x20)) {
      return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
    return s;
  }
}
