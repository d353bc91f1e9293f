package io.github.vertxchannels.impl;

import io.github.vertxchannels.ByteChannel;
import io.github.vertxchannels.Channel;
import io.github.vertxchannels.ChannelAddresses;
import io.github.vertxchannels.ChannelError;
import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelProtocolException;
import io.github.vertxchannels.Channels;
import io.github.vertxchannels.InvalidArgumentException;
import io.github.vertxchannels.OwnerLostException;
import io.github.vertxchannels.ReceiveResult;
import io.github.vertxchannels.SendAllResult;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.TermChannel;
import io.github.vertxchannels.UnknownChannelException;
import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.EtfException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * {@link Channels} over the event bus: every operation is one request to the channel's owner
 * address (derived from the id), answered by the owner's handler for that action.
 */
public final class EventBusChannels implements Channels {

  /** How long a request may take beyond its own timeout before the event bus gives up on it. */
  static final long REPLY_MARGIN_MS = 30_000;

  private final Vertx vertx;
  private final EventBus eventBus;
  private final OwnerWatch owners;
  private final String createAddress;

  /**
   * Places new channels on this node.
   *
   * @param vertx the Vert.x instance
   */
  public EventBusChannels(Vertx vertx) {
    this(vertx, false);
  }

  /**
   * @param vertx the Vert.x instance
   * @param spread whether new channels are spread across the nodes of a cluster (round robin)
   *               rather than placed on this node
   */
  public EventBusChannels(Vertx vertx, boolean spread) {
    this.vertx = vertx;
    this.eventBus = vertx.eventBus();
    this.owners = OwnerWatch.of(vertx);
    this.createAddress = spread ? ChannelAddresses.CREATE_ANY : ChannelAddresses.CREATE;
    Codecs.register(eventBus);
  }

  Vertx vertx() {
    return vertx;
  }

  OwnerWatch owners() {
    return owners;
  }

  @Override
  public Future<TermChannel> newChannel(long maxSize) {
    return create(ChannelKind.TERM, maxSize).map(info -> new ChannelImpl.Term(this, info.id()));
  }

  @Override
  public Future<ByteChannel> newByteChannel(long maxSize) {
    return create(ChannelKind.BYTES, maxSize).map(info -> new ChannelImpl.Bytes(this, info.id()));
  }

  @Override
  public Future<TermChannel> channel(String id) {
    return attach(id, ChannelKind.TERM).map(info -> new ChannelImpl.Term(this, id));
  }

  @Override
  public Future<ByteChannel> byteChannel(String id) {
    return attach(id, ChannelKind.BYTES).map(info -> new ChannelImpl.Bytes(this, id));
  }

  @Override
  public Future<Channel> attach(String id) {
    return attach(id, null).map(info -> info.kind() == ChannelKind.TERM
      ? new ChannelImpl.Term(this, id)
      : new ChannelImpl.Bytes(this, id));
  }

  /**
   * Creates a channel on this node's channel verticle.
   *
   * @return the new channel's info
   */
  public Future<ChannelInfo> create(ChannelKind kind, long maxSize) {
    if (maxSize < 0) {
      return Future.failedFuture(new InvalidArgumentException(
        "max_size must be a non-negative integer (bytes, 0 = unlimited), got " + maxSize));
    }
    JsonObject body = new JsonObject().put("kind", kind.wireName()).put("max_size", maxSize);
    return eventBus.<JsonObject>request(createAddress, body)
      .recover(EventBusChannels::mapFailure)
      .map(m -> ChannelInfo.fromJson(m.body()));
  }

  /**
   * Looks a channel up, checking its kind when {@code kind} is not null.
   *
   * @return its info
   */
  public Future<ChannelInfo> attach(String id, ChannelKind kind) {
    DeliveryOptions options = new DeliveryOptions();
    if (kind != null) {
      options.addHeader(ChannelAddresses.KIND, kind.wireName());
    }
    return this.<JsonObject>request(id, ChannelAddresses.ACTION_ATTACH, null, options)
      .map(m -> ChannelInfo.fromJson(m.body()));
  }

  /** Non-blocking send to a channel by id (S-SEND-1..5). */
  public Future<SendResult> send(String channelId, Buffer payload) {
    return request(channelId, ChannelAddresses.ACTION_SEND, payload, Codecs.payloadOptions()).map(EventBusChannels::sendResult);
  }

  /** Blocking send to a channel by id (S-EXT-SENDWAIT). */
  public Future<SendResult> send(String channelId, Buffer payload, long timeoutMs) {
    DeliveryOptions options = Codecs.payloadOptions()
      .addHeader(ChannelAddresses.TIMEOUT, Long.toString(timeoutMs))
      .setSendTimeout(replyTimeout(timeoutMs));
    return request(channelId, ChannelAddresses.ACTION_SEND, payload, options).map(EventBusChannels::sendResult);
  }

  /** Blocking sends of a batch to a channel by id, in one request (S-EXT-SENDWAIT). */
  public Future<SendAllResult> sendAll(String channelId, List<Buffer> payloads, long timeoutMs) {
    if (payloads.isEmpty()) {
      return Future.succeededFuture(new SendAllResult(0, 0, false, false));
    }
    DeliveryOptions options = new DeliveryOptions().setCodecName(Codecs.BATCH)
      .addHeader(ChannelAddresses.TIMEOUT, Long.toString(timeoutMs))
      .setSendTimeout(replyTimeout(timeoutMs));
    // A copy: the caller may reuse its list; the buffers themselves are handed over (no copy).
    DeliveryBatch batch = new DeliveryBatch(0, List.copyOf(payloads));
    return request(channelId, ChannelAddresses.ACTION_SEND_ALL, batch, options).map(reply -> {
      String result = reply.headers().get(ChannelAddresses.RESULT);
      int sent = Integer.parseInt(reply.headers().get(ChannelAddresses.SENT));
      return new SendAllResult(sent, payloads.size(), "closed".equals(result), "timeout".equals(result));
    });
  }

  /** Non-blocking receive from a channel by id (S-RECV-1). */
  public Future<ReceiveResult> tryReceive(String channelId) {
    return request(channelId, ChannelAddresses.ACTION_TRY_RECEIVE, null, new DeliveryOptions()).map(EventBusChannels::receiveResult);
  }

  /**
   * Blocking receive from a channel by id (S-RECV-3).
   *
   * @param receiveId an id to cancel the wait with ({@link #cancelReceive(String, String)})
   */
  public Future<ReceiveResult> receive(String channelId, long timeoutMs, String receiveId) {
    // The owner answers the timeout; the event bus waits longer so that it never drops a reply
    // carrying a message the owner already dequeued (S-FIX-CANCEL).
    DeliveryOptions options = new DeliveryOptions()
      .addHeader(ChannelAddresses.TIMEOUT, Long.toString(timeoutMs))
      .addHeader(ChannelAddresses.RECEIVE_ID, receiveId)
      .setSendTimeout(replyTimeout(timeoutMs));
    return request(channelId, ChannelAddresses.ACTION_RECEIVE, null, options).map(EventBusChannels::receiveResult);
  }

  /** Cancels a blocking receive started with {@code receiveId}; it fails with a timeout, leaving no trace. */
  public void cancelReceive(String channelId, String receiveId) {
    post(channelId, ChannelAddresses.ACTION_CANCEL_RECEIVE, null,
      new DeliveryOptions().addHeader(ChannelAddresses.RECEIVE_ID, receiveId));
  }

  /** Puts a received message back at the head of its channel (its receiver went away, S-FIX-CANCEL). */
  public Future<Void> requeue(String channelId, Buffer payload) {
    return request(channelId, ChannelAddresses.ACTION_REQUEUE, payload, Codecs.payloadOptions()).mapEmpty();
  }

  /** Closes a channel by id (S-CLOSE-1). */
  public Future<Void> close(String channelId) {
    return request(channelId, ChannelAddresses.ACTION_CLOSE, null, new DeliveryOptions()).mapEmpty();
  }

  /** Info of a channel by id (S-INFO-1). */
  public Future<ChannelInfo> info(String channelId) {
    return this.<JsonObject>request(channelId, ChannelAddresses.ACTION_INFO, null, new DeliveryOptions())
      .map(m -> ChannelInfo.fromJson(m.body()));
  }

  /**
   * Sends a term or bytes to an event-bus address (S-EXT-REPLY): fire and forget, like Erlang's
   * send to a pid. The consumer gets a Buffer body and the header {@code kind}.
   *
   * @return succeeded once handed to the event bus; failed with {@link InvalidArgumentException}
   * for a reserved or empty address or a malformed term
   */
  public Future<Void> sendToAddress(String address, ChannelKind kind, Buffer payload) {
    if (address == null || address.isEmpty() || address.startsWith(ChannelAddresses.VERTX_INTERNAL_PREFIX)
        || (address.startsWith(ChannelAddresses.PREFIX + ".") && !address.startsWith(ChannelAddresses.REPLY_PREFIX))) {
      return Future.failedFuture(new InvalidArgumentException("address '" + address
        + "' is empty or reserved (addresses under '" + ChannelAddresses.VERTX_INTERNAL_PREFIX + "' and '"
        + ChannelAddresses.PREFIX + ".' but '" + ChannelAddresses.REPLY_PREFIX + "' are internal)"));
    }
    if (kind == ChannelKind.TERM) {
      try {
        Etf.validate(payload);
      } catch (EtfException e) {
        return Future.failedFuture(new InvalidArgumentException("not a valid ETF term: " + e.getMessage()));
      }
    }
    eventBus.send(address, payload, new DeliveryOptions().addHeader(ChannelAddresses.KIND, kind.wireName()));
    return Future.succeededFuture();
  }

  /** @return a fresh id for {@link #receive(String, long, String)} */
  public static String newReceiveId() {
    return ChannelRegistry.randomToken(9);
  }

  static long replyTimeout(long timeoutMs) {
    // Negative = forever; a timeout so large that the margin would overflow is forever too.
    return timeoutMs < 0 || timeoutMs > Long.MAX_VALUE - REPLY_MARGIN_MS ? Long.MAX_VALUE : timeoutMs + REPLY_MARGIN_MS;
  }

  private static SendResult sendResult(Message<Object> reply) {
    return SendResult.fromWireName(reply.headers().get(ChannelAddresses.RESULT));
  }

  private static ReceiveResult receiveResult(Message<Object> reply) {
    String result = reply.headers().get(ChannelAddresses.RESULT);
    switch (result == null ? "" : result) {
      case "message":
        return ReceiveResult.message((Buffer) reply.body());
      case "closed":
        return ReceiveResult.closed();
      case "empty":
        return ReceiveResult.empty();
      default:
        throw new ChannelProtocolException("unexpected receive result '" + result + "'");
    }
  }

  /**
   * Sends one request to the owner of {@code channelId}.
   *
   * @return the reply; failures are {@link io.github.vertxchannels.ChannelException}s
   */
  public <T> Future<Message<T>> request(String channelId, String action, Object body, DeliveryOptions options) {
    if (channelId != null && channelId.length() > ChannelAddresses.MAX_CHANNEL_ID_LENGTH) {
      return Future.failedFuture(new InvalidArgumentException("channel id is " + channelId.length()
        + " characters long; channel ids are at most " + ChannelAddresses.MAX_CHANNEL_ID_LENGTH));
    }
    String ownerKey = ChannelAddresses.ownerKeyOf(channelId);
    if (ownerKey == null) {
      return Future.failedFuture(new UnknownChannelException("no channel with id '" + channelId + "'"));
    }
    if (owners.isLost(ownerKey)) {
      return Future.failedFuture(ownerLost(channelId));
    }
    options.addHeader(ChannelAddresses.ACTION, action).addHeader(ChannelAddresses.CHANNEL, channelId);
    Future<Message<T>> reply = eventBus.<T>request(ChannelAddresses.ownerAddress(ownerKey), body, options)
      .recover(failure -> mapFailure(failure, channelId, owners.isLost(ownerKey)));
    // The event bus would wait for a dead owner until the request times out (forever for a
    // blocking receive): the cluster's membership events end the wait instead.
    Promise<Message<T>> result = Promise.promise();
    OwnerWatch.Registration watching = owners.whenLost(ownerKey, vertx.getOrCreateContext(),
      () -> result.tryFail(ownerLost(channelId)));
    reply.onComplete(ar -> {
      watching.cancel();
      if (ar.succeeded()) {
        result.tryComplete(ar.result());
      } else {
        result.tryFail(ar.cause());
      }
    });
    return result.future();
  }

  static OwnerLostException ownerLost(String channelId) {
    return new OwnerLostException("owner lost: the node that owned channel " + channelId
      + " left the cluster; the channel and its messages are gone");
  }

  /** Fire-and-forget message to the owner of {@code channelId}. */
  void post(String channelId, String action, Object body, DeliveryOptions options) {
    String ownerKey = channelId == null || channelId.length() > ChannelAddresses.MAX_CHANNEL_ID_LENGTH
      ? null : ChannelAddresses.ownerKeyOf(channelId);
    if (ownerKey != null) {
      options.addHeader(ChannelAddresses.ACTION, action).addHeader(ChannelAddresses.CHANNEL, channelId);
      eventBus.send(ChannelAddresses.ownerAddress(ownerKey), body, options);
    }
  }

  private static <T> Future<T> mapFailure(Throwable failure) {
    return mapFailure(failure, null, false);
  }

  /** Turns event-bus failures into the API's exception types. */
  static <T> Future<T> mapFailure(Throwable failure, String channelId, boolean ownerLost) {
    if (failure instanceof ReplyException re) {
      switch (re.failureType()) {
        case RECIPIENT_FAILURE: {
          ChannelError error = ChannelError.fromCode(re.failureCode());
          if (error != null) {
            return Future.failedFuture(error.toException(re.getMessage()));
          }
          break;
        }
        case NO_HANDLERS:
          // Nobody serves this owner key: the id is unknown, or its owner's node left the cluster.
          if (channelId == null) {
            return Future.failedFuture(new UnknownChannelException("no channel verticle is deployed on this node"));
          }
          return Future.failedFuture(ownerLost
            ? ownerLost(channelId)
            : new UnknownChannelException("no channel with id '" + channelId + "'"));
        default:
          break;
      }
    }
    return Future.failedFuture(failure);
  }
}
