package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelError;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.InvalidArgumentException;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * {@code create} on the node-local create address: body {@code {"kind": "term"|"bytes",
 * "max_size": N}}; replies the new channel's info (S-NEW-1). A negative or non-integer max_size is
 * refused (S-FIX-OPTS).
 */
final class CreateHandler implements Handler<Message<Object>> {

  private final ChannelRegistry registry;

  CreateHandler(ChannelRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void handle(Message<Object> message) {
    try {
      if (!(message.body() instanceof JsonObject body)) {
        throw new InvalidArgumentException("create needs a JSON body {\"kind\": \"term\"|\"bytes\", \"max_size\": N}");
      }
      ChannelKind kind = ChannelKind.fromWireName(body.getString("kind", "term"));
      long maxSize = maxSize(body.getValue("max_size", 0));
      message.reply(registry.create(kind, maxSize).info().toJson());
    } catch (InvalidArgumentException | ClassCastException e) {
      OwnerHandler.fail(message, ChannelError.INVALID_ARGUMENT, e.getMessage());
    }
  }

  static long maxSize(Object value) {
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new InvalidArgumentException("max_size must be a non-negative integer (bytes, 0 = unlimited), got " + value);
    }
    long maxSize = ((Number) value).longValue();
    if (maxSize < 0) {
      throw new InvalidArgumentException("max_size must be a non-negative integer (bytes, 0 = unlimited), got " + maxSize);
    }
    return maxSize;
  }
}
