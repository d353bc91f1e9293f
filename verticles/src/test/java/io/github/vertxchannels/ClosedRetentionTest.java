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
      new DeploymentOptions().setConfig(new JsonObject().put("closed_retention_ms", 1000))));
    Channels channels = Channels.create(vertx);
    ByteChannel undrained = await(channels.newByteChannel());
    ByteChannel drained = await(channels.newByteChannel());
    await(undrained.send(Buffer.buffer("left")));
    await(undrained.close());
    await(drained.close());
    assertTrue(await(drained.tryReceive()).isClosed(), "closed and drained: still answers closed");
    long deadline = System.currentTimeMillis() + 15_000;
    while (true) {
      // Every look counts as a use: look less often than the retention time.
      Thread.sleep(1500);
      try {
        await(drained.info());
      } catch (UnknownChannelException forgotten) {
        break;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("a closed, drained channel should be forgotten after its retention time");
      }
    }
    awaitFailure(UnknownChannelException.class, drained.tryReceive());
    // A closed channel that still holds messages is kept beyond the retention time (S-CLOSE-2).
    assertTrue(await(undrained.receive(0)).isMessage(), "its message is still there");
  }

  @Test
  void a_consumer_draining_a_closed_channel_slowly_gets_closed_at_the_end_never_not_found__S_CLOSE_4(Vertx vertx) throws Exception {
    await(vertx.deployVerticle(new ChannelVerticle(),
      new DeploymentOptions().setConfig(new JsonObject().put("closed_retention_ms", 3000))));
    ByteChannel ch = await(Channels.create(vertx).newByteChannel());
    await(ch.send(Buffer.buffer("one")));
    await(ch.send(Buffer.buffer("two")));
    await(ch.close());
    Thread.sleep(1000);
    assertTrue(await(ch.receive(0)).isMessage());
    Thread.sleep(1000);
    assertTrue(await(ch.receive(0)).isMessage()); // drained now, 2 s after the close
    Thread.sleep(1500); // 3.5 s after the close, but only 1.5 s after the last use
    assertTrue(await(ch.receive(0)).isClosed(), "the end of the channel, not NOT_FOUND");
  }
}
