package io.github.vertxchannels.impl.metrics;

import io.vertx.core.json.JsonObject;

/**
 * The {@code metrics} object of the server config:
 *
 * <pre>
 * "metrics": {"enabled": false, "host": "127.0.0.1", "port": 9464}
 * </pre>
 *
 * Disabled by default: an enabled endpoint is one more listening port, which a server must not
 * open unasked (and several servers on one machine, as in the tests, would fight over 9464). When
 * enabled it binds loopback unless told otherwise; {@code GET /metrics} answers in the Prometheus
 * text format.
 */
public record MetricsOptions(boolean enabled, String host, int port) {

  /** Default port: the one commonly used by Prometheus exporters of this kind. */
  public static final int DEFAULT_PORT = 9464;
  /** Default address: loopback. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /**
   * @param config the server's whole config (its {@code metrics} object is read)
   * @return the options
   * @throws IllegalArgumentException when a key has the wrong type or the port is out of range
   */
  public static MetricsOptions fromConfig(JsonObject config) {
    Object raw = config == null ? null : config.getValue("metrics");
    if (raw == null) {
      return new MetricsOptions(false, DEFAULT_HOST, DEFAULT_PORT);
    }
    if (!(raw instanceof JsonObject m)) {
      throw new IllegalArgumentException("config key 'metrics' must be an object like "
        + "{\"enabled\": true, \"host\": \"127.0.0.1\", \"port\": 9464}, got " + raw);
    }
    for (String key : m.fieldNames()) {
      if (!key.equals("enabled") && !key.equals("host") && !key.equals("port")) {
        throw new IllegalArgumentException("unknown key 'metrics." + key + "' (known: enabled, host, port)");
      }
    }
    Object enabled = m.getValue("enabled", false);
    Object host = m.getValue("host", DEFAULT_HOST);
    Object port = m.getValue("port", DEFAULT_PORT);
    if (!(enabled instanceof Boolean e)) {
      throw new IllegalArgumentException("metrics.enabled must be true or false, got " + enabled);
    }
    if (!(host instanceof String h) || h.isBlank()) {
      throw new IllegalArgumentException("metrics.host must be an address such as \"127.0.0.1\", got " + host);
    }
    if (!(port instanceof Integer p) || p < 0 || p > 65535) {
      throw new IllegalArgumentException("metrics.port must be an integer from 0 to 65535 (0 = any free port), got " + port);
    }
    return new MetricsOptions(e, h, p);
  }
}
