package io.github.vertxchannels.grpc;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChannelServerOptionsTest {

  @Test
  void defaults_are_loopback_9090_16_mebibytes() {
    ChannelServerOptions o = new ChannelServerOptions();
    assertEquals("127.0.0.1", o.getHost());
    assertEquals(9090, o.getPort());
    assertEquals(16 * 1024 * 1024, o.getMaxMessageSize());
    assertEquals("local", o.getPlacement());
  }

  @Test
  void json_round_trip_and_copy_keep_every_option() {
    ChannelServerOptions o = new ChannelServerOptions().setHost("0.0.0.0").setPort(1234).setMaxMessageSize(2048)
      .setBatchMaxBytes(10).setBatchMaxMessages(1).setKeepaliveIntervalMs(0).setPlacement("spread");
    assertEquals(o.toJson(), new ChannelServerOptions(o.toJson()).toJson());
    assertEquals(o.toJson(), new ChannelServerOptions(o).toJson());
  }

  @Test
  void invalid_values_are_refused_naming_the_option() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new ChannelServerOptions().setPort(70000)).getMessage().contains("port"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new ChannelServerOptions(new JsonObject().put("max_message_size", 1))).getMessage().contains("max_message_size"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new ChannelServerOptions().setPlacement("random")).getMessage().contains("placement"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new ChannelServerOptions().setBatchMaxMessages(0)).getMessage().contains("batch_max_messages"));
  }

  private static String refused(JsonObject config) {
    return assertThrows(IllegalArgumentException.class, () -> new ChannelServerOptions(config)).getMessage();
  }

  /** Issue 16.5: unknown keys and bad values are clear errors naming the key and what was wrong. */
  @Test
  void unknown_keys_and_bad_types_are_refused_naming_the_key() {
    assertTrue(refused(new JsonObject().put("max_mesage_size", 1)).contains("unknown config key 'max_mesage_size'"));
    assertTrue(refused(new JsonObject().put("port", "9090")).contains("config key 'port' must be an integer, got the string \"9090\""));
    assertTrue(refused(new JsonObject().put("port", 1.5)).contains("'port' must be an integer"));
    assertTrue(refused(new JsonObject().put("auth_tokens", "abc")).contains("'auth_tokens' must be an array of strings"));
    assertTrue(refused(new JsonObject().put("tls", new JsonObject().put("crt", "x"))).contains("tls.crt"));
    assertTrue(refused(new JsonObject().put("max_pending_bytes_per_connection", -1)).contains("max_pending_bytes_per_connection"));
    assertTrue(refused(new JsonObject().put("send_to_address_prefixes", new io.vertx.core.json.JsonArray().add("__vertx.reply."))).contains("internal"));
    assertTrue(refused(new JsonObject().put("idle_timeout_ms", 5)).contains("idle_timeout_ms"));
    // The keys of the components deployed with the same config are known.
    new ChannelServerOptions(new JsonObject().put("closed_retention_ms", 1000).put("cluster", new JsonObject()));
  }

  @Test
  void auth_tokens_that_are_empty_or_padded_are_refused() {
    assertTrue(refused(new JsonObject().put("auth_tokens", new io.vertx.core.json.JsonArray().add(""))).contains("token 0 is empty"));
    assertTrue(refused(new JsonObject().put("auth_tokens", new io.vertx.core.json.JsonArray().add(" 0123456789abcdef"))).contains("whitespace"));
  }

  /** Issue 15.5: everything a client can pin is bounded by default. */
  @Test
  void limits_are_on_by_default() {
    ChannelServerOptions o = new ChannelServerOptions();
    assertEquals(10_000, o.getMaxChannelsPerConnection());
    assertEquals(64L * 1024 * 1024, o.getMaxPendingBytesPerConnection());
    assertEquals(256L * 1024 * 1024, o.getMaxChannelSize());
    assertTrue(o.getIdleTimeoutMs() > 0);
    assertTrue(o.getHandshakeTimeoutMs() > 0);
  }
}
