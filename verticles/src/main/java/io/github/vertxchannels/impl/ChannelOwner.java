package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelAddresses;
import io.github.vertxchannels.ChannelError;
import io.github.vertxchannels.impl.metrics.ChannelCounters;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.HashMap;
import java.util.Map;

/**
 * The wiring behind {@code ChannelVerticle}: one registry of channels, one event-bus consumer on
 * the owner address routing each {@code action} to its handler, and the node-local create address.
 */
public final class ChannelOwner {

  private final Vertx vertx;
  private final ChannelRegistry registry;
  private final Map<String, Handler<Message<Object>>> actions = new HashMap<>();
  private MessageConsumer<Object> ownerConsumer;
  private MessageConsumer<Object> createConsumer;
  private MessageConsumer<Object> createAnyConsumer;
  private final Context context;
  private Runnable metrics = () -> { };

  /**
   * @param vertx the Vert.x instance
   * @param context the verticle's context: every channel of this owner lives on it
   * @param closedRetentionMs how long a closed and drained channel stays addressable (negative = forever)
   * @param maxMessageSize the largest payload a send may carry, in bytes
   * @param maxTotalBytes the memory all channels of this owner may hold together, in bytes
   *        ({@code max_total_bytes}; 0 = no limit; see {@link MemoryBudget})
   */
  public ChannelOwner(Vertx vertx, Context context, long closedRetentionMs, int maxMessageSize, long maxTotalBytes) {
    this.vertx = vertx;
    this.context = context;
    // In a cluster the owner key starts with this node's tag, so that owner loss can be told apart.
    // The "c" keeps ids from starting with '-' (base64url): command lines would take such an id
    // for an option (the CLI did, for one server start in 64).
    this.registry = new ChannelRegistry(OwnerWatch.of(vertx).ownerKeyPrefix() + "c" + ChannelRegistry.randomToken(6),
      Scheduler.of(context), closedRetentionMs, maxTotalBytes);
    EventBus eventBus = vertx.eventBus();
    actions.put(ChannelAddresses.ACTION_ATTACH, new SimpleHandlers.Attach(registry));
    actions.put(ChannelAddresses.ACTION_INFO, new SimpleHandlers.Info(registry));
    actions.put(ChannelAddresses.ACTION_CLOSE, new SimpleHandlers.Close(registry));
    TermCheck termCheck = new TermCheck(maxMessageSize); // shared: sends and send-alls of a channel stay in order
    actions.put(ChannelAddresses.ACTION_SEND, new SendHandler(registry, maxMessageSize, termCheck));
    actions.put(ChannelAddresses.ACTION_SEND_ALL, new SendAllHandler(registry, maxMessageSize, termCheck));
    actions.put(ChannelAddresses.ACTION_TRY_RECEIVE, new ReceiveHandler(registry, false));
    actions.put(ChannelAddresses.ACTION_RECEIVE, new ReceiveHandler(registry, true));
    actions.put(ChannelAddresses.ACTION_CANCEL_RECEIVE, new SimpleHandlers.CancelReceive(registry));
    actions.put(ChannelAddresses.ACTION_REQUEUE, new SimpleHandlers.Requeue(registry));
    actions.put(ChannelAddresses.ACTION_SUBSCRIBE, new SubscriptionHandlers.Subscribe(registry, eventBus));
    actions.put(ChannelAddresses.ACTION_FLOW, new SubscriptionHandlers.Flow(registry));
    actions.put(ChannelAddresses.ACTION_UNSUBSCRIBE, new SubscriptionHandlers.Unsubscribe(registry));
    actions.put(ChannelAddresses.ACTION_RESERVE, new ReservationHandlers.Reserve(registry));
    actions.put(ChannelAddresses.ACTION_SEND_RESERVED, new ReservationHandlers.SendReserved(registry, maxMessageSize));
  }

  /** @return the default {@code max_total_bytes}: half the JVM's maximum heap */
  public static long defaultMaxTotalBytes() {
    return MemoryBudget.defaultLimit();
  }

  /** @return this owner's key, the first part of every channel id it hands out */
  public String ownerKey() {
    return registry.ownerKey();
  }

  /** Registers the consumers; completes when the event bus has them. */
  public Future<Void> start() {
    EventBus eventBus = vertx.eventBus();
    Codecs.register(eventBus);
    metrics = ChannelCounters.owner(context, registry::totals);
    ownerConsumer = eventBus.consumer(ChannelAddresses.ownerAddress(registry.ownerKey()), this::route);
    // Creating goes to the channel verticle of the caller's own node (placement: local by default).
    createConsumer = eventBus.localConsumer(ChannelAddresses.CREATE, new CreateHandler(registry));
    createAnyConsumer = eventBus.consumer(ChannelAddresses.CREATE_ANY, new CreateHandler(registry));
    return Future.all(ownerConsumer.completion(), createConsumer.completion(), createAnyConsumer.completion()).mapEmpty();
  }

  /** Unregisters the consumers and closes every channel, waking every waiter. */
  public Future<Void> stop() {
    NodeState.markStopping(vertx); // before anything is torn down: calls in flight are told UNAVAILABLE
    metrics.run();
    registry.shutdown();
    return Future.all(ownerConsumer.unregister(), createConsumer.unregister(), createAnyConsumer.unregister()).mapEmpty();
  }

  private void route(Message<Object> message) {
    String action = message.headers().get(ChannelAddresses.ACTION);
    Handler<Message<Object>> handler = action == null ? null : actions.get(action);
    if (handler == null) {
      OwnerHandler.fail(message, ChannelError.PROTOCOL, "unknown action '" + action + "'");
      return;
    }
    handler.handle(message);
  }
}
