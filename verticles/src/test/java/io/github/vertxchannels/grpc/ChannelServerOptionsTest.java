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
}
