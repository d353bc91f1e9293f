package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.LimitExceededException;
import io.github.vertxchannels.impl.EventBusChannels;
import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.grpc.server.GrpcServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code max_channels_per_connection}: how many channels one client may hold open at once. A
 * client is its identity, not its TCP connection, so that reconnecting does not reset its count:
 * its bearer token when authentication is on, else its IP address. Channels are given back when
 * they are closed or gone (retired, owner lost): when a client reaches the limit, the channels
 * it created are looked up once and the closed or unknown ones no longer count.
 *
 * <p>Used from the gRPC server's event loop only.
 */
final class ChannelBudget {

  private static final long PRUNE_EVERY_NANOS = 1_000_000_000L;

  private final EventBusChannels channels;
  private final int max;
  /** Per identity: the ids of the open channels it created, plus creates in flight. */
  private final Map<String, Held> held = new HashMap<>();

  private static final class Held {
    final Set<String> ids = new LinkedHashSet<>();
    int creating;
    long lastPrune = System.nanoTime() - PRUNE_EVERY_NANOS;
    int count() {
      return ids.size() + creating;
    }
  }

  ChannelBudget(EventBusChannels channels, int max) {
    this.channels = channels;
    this.max = max;
  }

  /** @return the identity of a call's client: a hash of its bearer token, else its IP address */
  static String identity(GrpcServerRequest<?, ?> call) {
    String auth = call.headers().get("authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return "token:" + sha256(auth.substring(7).trim());
    }
    HttpConnection connection = call.connection();
    return connection.remoteAddress() == null ? "unknown" : "ip:" + connection.remoteAddress().hostAddress();
  }

  /**
   * Creates a channel within {@code identity}'s budget.
   *
   * @param create creates the channel
   * @return the new channel's info; fails with {@link LimitExceededException} at the limit
   */
  Future<ChannelInfo> create(String identity, Supplier<Future<ChannelInfo>> create) {
    if (max <= 0) {
      return create.get();
    }
    Held h = held.computeIfAbsent(identity, k -> new Held());
    Future<Void> room = h.count() < max ? Future.succeededFuture() : prune(h).compose(v -> h.count() < max
      ? Future.succeededFuture()
      : Future.failedFuture(new LimitExceededException("this client (" + describe(identity) + ") already holds "
        + h.ids.size() + " open channels, the limit (max_channels_per_connection = " + max
        + "): close channels it no longer needs")));
    return room.compose(v -> {
      h.creating++;
      return create.get().andThen(ar -> {
        h.creating--;
        if (ar.succeeded()) {
          h.ids.add(ar.result().id());
        } else if (h.count() == 0) {
          held.remove(identity);
        }
      });
    }).andThen(ar -> {
      if (ar.failed() && h.count() == 0) {
        held.remove(identity);
      }
    });
  }

  /** Gives a channel back at once (closed through this server). */
  void closed(String channelId) {
    held.values().forEach(h -> h.ids.remove(channelId));
  }

  /**
   * Drops the ids of channels that are closed or gone; at most once a second per client, so
   * that a client hammering Create at its limit does not make the server look up its channels
   * again and again (channels closed through this server are given back at once anyway).
   */
  private Future<Void> prune(Held h) {
    long now = System.nanoTime();
    if (now - h.lastPrune < PRUNE_EVERY_NANOS) {
      return Future.succeededFuture();
    }
    h.lastPrune = now;
    List<String> ids = new ArrayList<>(h.ids);
    List<Future<?>> lookups = new ArrayList<>(ids.size());
    for (String id : ids) {
      lookups.add(channels.info(id).andThen(ar -> {
        if (ar.failed() || ar.result().closed()) {
          h.ids.remove(id);
        }
      }));
    }
    return Future.join(lookups).<Void>mapEmpty().otherwiseEmpty();
  }

  private static String describe(String identity) {
    return identity.startsWith("ip:") ? "IP address " + identity.substring(3) : "its bearer token";
  }

  private static String sha256(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
