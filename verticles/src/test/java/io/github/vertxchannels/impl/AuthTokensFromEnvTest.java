package io.github.vertxchannels.impl;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15.8: tokens from VERTX_CHANNELS_AUTH_TOKENS are trimmed, and empty ones refused. */
class AuthTokensFromEnvTest {

  @Test
  void tokens_are_trimmed() {
    assertEquals(List.of("0123456789abcdef", "fedcba9876543210"),
      ChannelsLauncher.tokensFromEnv(" 0123456789abcdef , fedcba9876543210\n"));
  }

  @Test
  void empty_tokens_are_refused_naming_which() {
    for (String bad : new String[] {"0123456789abcdef,", "a,,b", ",x"}) {
      String m = assertThrows(IllegalArgumentException.class, () -> ChannelsLauncher.tokensFromEnv(bad)).getMessage();
      assertTrue(m.contains("VERTX_CHANNELS_AUTH_TOKENS") && m.contains("empty"), m);
    }
  }
}
