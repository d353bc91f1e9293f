package io.github.vertxchannels;

/**
 * The outcome of {@link Channel#sendAll(java.util.List, long)}: the payloads are enqueued in order,
 * so the ones that were sent are always a prefix of the list.
 *
 * @param sent how many payloads, from the first, were enqueued
 * @param total how many payloads were given
 * @param closed the channel was (or became) closed before the rest could be enqueued; they were
 *               not sent, as {@link Channel#send(io.vertx.core.buffer.Buffer, long)} answers
 *               {@link SendResult#CLOSED}
 * @param timedOut the timeout passed before the rest could be enqueued; they were not sent
 */
public record SendAllResult(int sent, int total, boolean closed, boolean timedOut) {

  /** @return whether every payload was enqueued */
  public boolean allSent() {
    return sent == total;
  }
}
