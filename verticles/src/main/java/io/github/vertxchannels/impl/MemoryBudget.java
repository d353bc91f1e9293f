package io.github.vertxchannels.impl;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The message memory of one channel owner (a node, {@code max_total_bytes}): what all its
 * channels hold together (queued, pushed and not acknowledged, reserved for producers), so that
 * many channels, each within its own {@code max_size}, cannot together exhaust the heap. Without
 * it a client could fill one capped channel after another (each within every per-channel and
 * per-client limit) until the server died of {@code OutOfMemoryError}, taking every other
 * client's channels with it.
 *
 * <p>A send that would go over it is treated like a send into a full channel (S-SEND-2,
 * S-EXT-SENDWAIT): {@code busy} when non-blocking, waiting when blocking. Event-driven like the
 * rest: a channel whose sender waits for this budget registers here and is dispatched again when
 * any channel gives memory back (never polled).
 *
 * <p>Event-loop confined: every channel of an owner lives on the owner's event loop.
 */
final class MemoryBudget {

  /**
   * What a queued message costs beyond its payload (the buffer object, its queue slot), counted
   * in the budget only (a channel's {@code size} stays the payload bytes of the contract): an
   * empty payload is not free, so a flood of them is bounded too.
   */
  static final int MESSAGE_OVERHEAD = 128;

  private final long limit;
  private final Scheduler scheduler;
  private long used;
  private final Set<ChannelQueue> waiting = new LinkedHashSet<>();
  private boolean wakeScheduled;

  /**
   * @param limit the most bytes all channels may hold together; 0 = no limit
   * @param scheduler the owner's event loop, where waiting channels are dispatched again
   */
  MemoryBudget(long limit, Scheduler scheduler) {
    this.limit = limit;
    this.scheduler = scheduler;
  }

  /** The default limit: half the JVM's maximum heap (the other half serves everything else). */
  static long defaultLimit() {
    return Runtime.getRuntime().maxMemory() / 2;
  }

  long limit() {
    return limit;
  }

  long used() {
    return used;
  }

  /**
   * Room left for a channel whose own holding the budget last saw as {@code charged} and is
   * {@code held} now (exact for the asking channel, even before it settles).
   */
  long room(long charged, long held) {
    return limit <= 0 ? Long.MAX_VALUE : Math.max(0, limit - (used - charged + held));
  }

  /** A channel's holding changed by {@code delta} bytes. */
  void charge(long delta) {
    used += delta;
    if (delta < 0 && !waiting.isEmpty() && !wakeScheduled) {
      // Later, not now: the channel giving memory back is in the middle of its own dispatch.
      wakeScheduled = true;
      scheduler.runLater(this::wake);
    }
  }

  /** {@code channel} has a sender (or a reservation) that does not fit in the budget now. */
  void await(ChannelQueue channel) {
    if (limit > 0) {
      waiting.add(channel);
    }
  }

  private void wake() {
    wakeScheduled = false;
    List<ChannelQueue> woken = new ArrayList<>(waiting);
    waiting.clear();
    // Oldest registration first; a channel still short of room registers again.
    for (ChannelQueue channel : woken) {
      channel.budgetFreed();
    }
  }
}
