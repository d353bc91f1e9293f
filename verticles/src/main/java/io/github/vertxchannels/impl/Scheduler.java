package io.github.vertxchannels.impl;

import io.vertx.core.Context;

/**
 * Timers and deferred tasks on the owner's event loop. An interface so that the channel core
 * does not depend on how it is hosted.
 */
interface Scheduler {

  /** @return a timer id, to cancel with {@link #cancelTimer(long)} */
  long setTimer(long delayMs, Runnable task);

  /** Cancels a timer; ids below 0 mean "no timer". */
  void cancelTimer(long timerId);

  /** Runs a task later on the same event loop, after the events already queued. */
  void runLater(Runnable task);

  /**
   * @param context the owner's context
   * @return a scheduler on that context
   */
  static Scheduler of(Context context) {
    return new Scheduler() {
      @Override
      public long setTimer(long delayMs, Runnable task) {
        return context.owner().setTimer(delayMs, id -> task.run());
      }

      @Override
      public void cancelTimer(long timerId) {
        if (timerId >= 0) {
          context.owner().cancelTimer(timerId);
        }
      }

      @Override
      public void runLater(Runnable task) {
        context.runOnContext(v -> task.run());
      }
    };
  }
}
