package io.github.vertxchannels;

import io.github.vertxchannels.grpc.ChannelServerOptions;
import io.github.vertxchannels.impl.ChannelOwner;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * The channel verticle: owns channels and serves them on the event bus (addresses and headers in
 * {@link ChannelAddresses}). Deploy one per Vert.x instance (or node of a cluster), then use
 * {@link Channels#create(io.vertx.core.Vertx)} from any verticle:
 *
 * <pre>{@code
 * vertx.deployVerticle(new ChannelVerticle())
 *   .compose(id -> Channels.create(vertx).newByteChannel(1 << 20))
 *   .compose(ch -> ch.send(Buffer.buffer("hello")));
 * }</pre>
 *
 * <p>All channels of one verticle live on its event loop: operations on them never lock and
 * never block; waiting receivers and senders are continuations completed by events.
 */
public final class ChannelVerticle extends VerticleBase {

  /**
   * Default time a closed channel stays addressable once drained and unused: 10 minutes. Until
   * then every operation answers {@code closed}; after that the id is unknown (NOT_FOUND).
   */
  public static final long DEFAULT_CLOSED_RETENTION_MS = 10 * 60 * 1000;

  private ChannelOwner owner;

  /**
   * Config keys: {@code closed_retention_ms} (default {@link #DEFAULT_CLOSED_RETENTION_MS};
   * negative keeps closed channels forever) and {@code max_message_size} (the largest payload in
   * bytes, default {@link ChannelServerOptions#DEFAULT_MAX_MESSAGE_SIZE}; larger sends fail with
   * {@link MessageTooLargeException}), {@code max_total_bytes} (the memory all channels of this
   * verticle may hold together: queued, pushed and not acknowledged, reserved, plus 128 bytes per
   * queued message; default half the JVM's maximum heap, 0 = no limit; a send beyond it is
   * {@code busy}, or waits, as into a full channel).
   */
  @Override
  public Future<?> start() {
    long maxTotalBytes = config().getLong("max_total_bytes", ChannelOwner.defaultMaxTotalBytes());
    if (maxTotalBytes < 0) {
      return Future.failedFuture(new IllegalArgumentException(
        "max_total_bytes must be 0 (no limit) or a positive number of bytes, got " + maxTotalBytes));
    }
    owner = new ChannelOwner(vertx, context,
      config().getLong("closed_retention_ms", DEFAULT_CLOSED_RETENTION_MS),
      config().getInteger("max_message_size", ChannelServerOptions.DEFAULT_MAX_MESSAGE_SIZE), maxTotalBytes);
    return owner.start();
  }

  @Override
  public Future<?> stop() {
    return owner.stop();
  }

  /** @return the owner key of this verticle: the prefix of the ids of the channels it owns */
  public String ownerKey() {
    return owner.ownerKey();
  }
}
