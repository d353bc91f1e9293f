package io.github.vertxchannels;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.github.vertxchannels.ChannelTestBase.await;
import static io.github.vertxchannels.ChannelTestBase.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Closed channels do not accumulate: once drained and unused they are forgotten after a retention time. */
@ExtendWith(VertxExtension.class)
class ClosedRetentionTest {

  @Test
  void a_closed_channel_answers_closed_while_retained_and_is_forgotten_once_drained(Vertx vertx) throws Exception {
    await(vertx.deployVerticle(new ChannelVerticle(),
      new DeploymentOptions().setConfig(new JsonObject().put("closed_retention_ms", 200))));
    Channels channels = Channels.create(vertx);
    ByteChannel ch = await(channels.newByteChannel());
    await(ch.send(Buffer.buffer("left")));
    await(ch.close());
    Thread.sleep(400);
    assertTrue(await(ch.receive(0)).isMessage(), "not drained: kept, and its message is still there (S-CLOSE-2)");
    assertTrue(await(ch.tryReceive()).isClosed(), "closed and drained");
    await(ch.close()); // starts the retention clock again, now that it is drained
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      try {
        await(ch.info());
      } catch (UnknownChannelException forgotten) {
        break;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("a closed, drained channel should be forgotten after its retention time");
      }
      Thread.sleep(50);
    }
    awaitFailure(UnknownChannelException.class, ch.tryReceive());
  }
}
