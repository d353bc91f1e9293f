package io.github.vertxchannels.impl;

import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * Messages pushed to a subscriber in one event-bus message.
 *
 * @param firstSeq the subscription sequence number of the first payload; the others follow
 * @param payloads the messages, oldest first
 */
public record DeliveryBatch(long firstSeq, List<Buffer> payloads) {
}
