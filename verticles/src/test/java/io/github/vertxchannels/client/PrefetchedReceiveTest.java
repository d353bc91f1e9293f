package io.github.vertxchannels.client;

import io.github.vertxchannels.ReceiveResult;
import io.github.vertxchannels.SendResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java client's per-call receives served from a revocable prefetch (S-EXT-REVOKE). */
class PrefetchedReceiveTest extends ClientTestBase {


  private static byte[] bytes(int i) {
    return ByteBuffer.allocate(4).putInt(i).array();
  }

  private static int number(ReceiveResult r) {
    return ByteBuffer.wrap(r.payload().getBytes()).getInt();
  }

  @Test
  @DisplayName("S-RECV-4: a tight loop of receives and of tryReceives gets every message once, in order")
  void a_receive_loop_gets_everything_in_order() {
    RemoteChannel ch = client().newByteChannel(0);
    int n = 5_000;
    for (int i = 0; i < n; i++) {
      assertEquals(SendResult.OK, ch.send(bytes(i)));
    }
    ch.flush();
    RemoteChannel reader = client().byteChannel(ch.id());
    for (int i = 0; i < n / 2; i++) {
      assertEquals(i, number(reader.receive(10_000)), "receive " + i);
    }
    for (int i = n / 2; i < n; i++) {
      assertEquals(i, number(reader.tryReceive()), "tryReceive " + i);
    }
    assertTrue(reader.tryReceive().isEmpty(), "drained: empty, not a stale prefetched message");
    ch.close();
    assertTrue(reader.receive(10_000).isClosed());
  }

  @Test
  @DisplayName("S-EXT-REVOKE, S-RECV-4: competing receivers each see channel order, and together every message exactly once")
  void competing_receivers_each_see_channel_order() throws Exception {
    RemoteChannel producer = client().newByteChannel(0);
    int n = 20_000;
    CompletableFuture<Void> produced = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < n; i++) {
        producer.send(bytes(i), 10_000);
      }
      producer.flush();
      producer.close();
    });
    List<CompletableFuture<List<Integer>>> consumers = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      RemoteChannel reader = client().byteChannel(producer.id());
      boolean tight = c < 2; // two prefetching loops, one receiver with pauses (exact calls)
      consumers.add(CompletableFuture.supplyAsync(() -> {
        List<Integer> got = new ArrayList<>();
        while (true) {
          ReceiveResult r = reader.receive(30_000);
          if (r.isClosed()) {
            return got;
          }
          got.add(number(r));
          if (!tight && got.size() % 50 == 0) {
            try {
              Thread.sleep(1);
            } catch (InterruptedException e) {
              throw new AssertionError(e);
            }
          }
        }
      }));
    }
    produced.get(60, TimeUnit.SECONDS);
    Set<Integer> all = new HashSet<>();
    int total = 0;
    for (CompletableFuture<List<Integer>> f : consumers) {
      List<Integer> got = f.get(60, TimeUnit.SECONDS);
      for (int i = 1; i < got.size(); i++) {
        assertTrue(got.get(i - 1) < got.get(i), "out of order: " + got.get(i - 1) + " then " + got.get(i));
      }
      all.addAll(got);
      total += got.size();
    }
    assertEquals(n, total, "no duplicate");
    assertEquals(n, all.size(), "no loss");
  }
}
