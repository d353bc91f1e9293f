package io.github.vertxchannels.grpc;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher's own command line: --help and a -conf that does not exist or is not JSON. */
class LauncherCliTest {

  private static String run(Process p) throws Exception {
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher exits");
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void help_lists_our_options_one_line_each_and_exits_0() throws Exception {
    Process p = LauncherTest.launch("--help");
    String out = run(p);
    assertEquals(0, p.exitValue(), out);
    for (String option : List.of("--host HOST", "--port PORT", "-conf FILE|JSON", "--cluster")) {
      assertEquals(1, out.lines().filter(l -> l.trim().startsWith(option)).count(), option + " once in:\n" + out);
    }
  }

  @Test
  void a_missing_conf_file_is_a_clear_error_without_a_stack_trace() throws Exception {
    Process p = LauncherTest.launch("-conf", "/no/such/dir/vertx-channels.json");
    String out = run(p);
    assertNotEquals(0, p.exitValue(), out);
    assertTrue(out.contains("-conf /no/such/dir/vertx-channels.json: no such file"), out);
    assertFalse(out.contains("Exception") || out.contains("\tat "), "no stack trace:\n" + out);
  }

  @Test
  void a_conf_that_is_not_json_is_a_clear_error() throws Exception {
    Process p = LauncherTest.launch("-conf", "{not json");
    String out = run(p);
    assertNotEquals(0, p.exitValue(), out);
    assertTrue(out.contains("not a JSON object"), out);
    assertFalse(out.contains("\tat "), "no stack trace:\n" + out);
  }
}
