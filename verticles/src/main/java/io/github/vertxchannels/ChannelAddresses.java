package io.github.vertxchannels;

/**
 * The event-bus protocol of the channel verticle: addresses, the {@code action} header that names
 * the operation, and the other headers. The Java API ({@link Channels}) speaks it for you; this
 * class documents it for other event-bus users (any language with an event-bus bridge).
 *
 * <p><b>Addressing.</b> Each {@link ChannelVerticle} instance has an <em>owner key</em> and
 * listens on {@code vertx-channels.owner.<key>}. A channel id is {@code <key>.<random>}: the owner
 * is derived from the id, so a channel is reachable from any node of a cluster without a lookup
 * table (owner-routed addressing). {@link #CREATE} is a node-local address served by the channel
 * verticle of that node.
 *
 * <p><b>Requests</b> to the owner address carry the headers {@link #ACTION} and {@link #CHANNEL};
 * a send carries the payload as its body. Replies carry {@link #RESULT}. Failures use
 * {@link ChannelError#code()} as the failure code and a message that says what was wrong.
 */
public final class ChannelAddresses {

  private ChannelAddresses() {
  }

  /** Prefix of every address. */
  public static final String PREFIX = "vertx-channels";
  /** Node-local address that creates a channel on this node's channel verticle. Body: JSON {@code {kind, max_size}}. */
  public static final String CREATE = PREFIX + ".create";
  /**
   * Cluster-wide create address served by the channel verticle of every node: the event bus picks
   * one node per request in turn (placement "spread"). Same body as {@link #CREATE}.
   */
  public static final String CREATE_ANY = PREFIX + ".create.any";
  /** Prefix of owner addresses: {@code vertx-channels.owner.<owner key>}. */
  public static final String OWNER_PREFIX = PREFIX + ".owner.";
  /** Prefix of subscriber addresses: {@code vertx-channels.subscriber.<random>}. */
  public static final String SUBSCRIBER_PREFIX = PREFIX + ".subscriber.";
  /**
   * Prefix of reply addresses: the only addresses under {@link #PREFIX} that a gRPC client may
   * target with SendToAddress (S-EXT-REPLY). A verticle that wants to hear from clients consumes
   * an address under this prefix, preferably an unguessable one from {@link #newReplyAddress()}
   * ({@link Channels#replyAddress()}), and hands it to its client. Other addresses are reachable
   * from gRPC only when the server option {@code send_to_address_prefixes} lists their prefix.
   */
  public static final String REPLY_PREFIX = PREFIX + ".reply.";
  /** Prefix of the Vert.x event bus's own addresses (request/reply): never reachable from gRPC. */
  public static final String VERTX_INTERNAL_PREFIX = "__vertx.";
  /** The longest channel id accepted, in chars (ids handed out are far shorter); longer ones are INVALID_ARGUMENT. */
  public static final int MAX_CHANNEL_ID_LENGTH = 256;
  /** The longest address SendToAddress accepts, in UTF-16 chars. */
  public static final int MAX_ADDRESS_LENGTH = 256;

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  /**
   * @return a fresh, unguessable reply address {@code vertx-channels.reply.<128 random bits>}:
   * consume it and hand it to a client, which can then send to it (S-EXT-REPLY)
   */
  public static String newReplyAddress() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return REPLY_PREFIX + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /**
   * The rule of SendToAddress for gRPC clients (which are not trusted with the event bus): an
   * address is allowed when it is under {@link #REPLY_PREFIX} or one of {@code allowedPrefixes},
   * and never when it is under {@link #VERTX_INTERNAL_PREFIX} (the event bus's reply addresses,
   * sequential, so guessable: a forged reply would complete another client's pending request) or
   * another {@link #PREFIX} address (owners, subscribers: internal protocol).
   *
   * @param address the target address
   * @param allowedPrefixes extra prefixes allowed (server option {@code send_to_address_prefixes})
   * @return {@code null} when allowed, else why not
   */
  public static String refusedAddress(String address, java.util.List<String> allowedPrefixes) {
    if (address == null || address.isEmpty()) {
      return "address is empty";
    }
    if (address.length() > MAX_ADDRESS_LENGTH) {
      return "address is " + address.length() + " characters long, more than the limit of " + MAX_ADDRESS_LENGTH;
    }
    if (address.startsWith(VERTX_INTERNAL_PREFIX) || address.startsWith("__vertx")) {
      return "address '" + address + "' is internal to the Vert.x event bus: never reachable from a client";
    }
    if (address.startsWith(REPLY_PREFIX) && address.length() > REPLY_PREFIX.length()) {
      return null;
    }
    if (address.startsWith(PREFIX + ".") || address.equals(PREFIX)) {
      return "address '" + address + "' is internal to vertx-channels: only '" + REPLY_PREFIX
        + "<name>' addresses under that prefix are reachable";
    }
    for (String prefix : allowedPrefixes) {
      if (address.startsWith(prefix)) {
        return null;
      }
    }
    return "address '" + address + "' is not reachable from clients: a verticle must consume an address under '"
      + REPLY_PREFIX + "' (Channels.replyAddress())" + (allowedPrefixes.isEmpty()
        ? " or the server must allow its prefix (send_to_address_prefixes)"
        : " or under one of the allowed prefixes " + allowedPrefixes + " (send_to_address_prefixes)");
  }

  /** Header: the operation, one of the {@code ACTION_*} values. */
  public static final String ACTION = "action";
  /** Header: the channel id. */
  public static final String CHANNEL = "channel";
  /** Header: a timeout in milliseconds ({@code -1} = forever). Its presence makes a send wait. */
  public static final String TIMEOUT = "timeout";
  /** Header: the expected kind ({@code term} or {@code bytes}) on attach. */
  public static final String KIND = "kind";
  /** Header: the result of an operation ({@code ok}, {@code busy}, {@code closed}, {@code message}, {@code empty}). */
  public static final String RESULT = "result";
  /** Header: an id chosen by a requester for a blocking receive, so that it can cancel it. */
  public static final String RECEIVE_ID = "rid";
  /**
   * Header: the subscription id. On a {@code send} it names the sender's own subscription, whose
   * reservation is not counted against that send (S-EXT-RESERVE).
   */
  public static final String SUBSCRIPTION = "sub";
  /** Header: the address the owner pushes a subscription's events to. */
  public static final String SUBSCRIBER = "subscriber";
  /** Header: credit granted, in messages. */
  public static final String CREDIT_MESSAGES = "credit-messages";
  /** Header: credit granted, in bytes. */
  public static final String CREDIT_BYTES = "credit-bytes";
  /** Header: cumulative acknowledgement, the highest sequence number consumed. */
  public static final String ACK = "ack";
  /** Header: present on a flow message that gives back every unacknowledged message. */
  public static final String RELEASE = "release";
  /** Header on subscriber events: {@code deliveries}, {@code closed} or {@code released}. */
  public static final String EVENT = "event";
  /** Header on a {@code released} event: the highest sequence number given back. */
  public static final String UP_TO = "up-to";
  /** Header on a {@code released} event: how many messages were given back. */
  public static final String RETURNED = "returned";
  /** Header: how many payloads of a send-all were enqueued. */
  public static final String SENT = "sent";
  /** Header on a {@code send-credit} event: the grant replaces every earlier one (the answer to a reserve). */
  public static final String RESET = "reset";
  /** Header on a {@code subscribe}: the subscription is a revocable prefetch (S-EXT-REVOKE). */
  public static final String REVOCABLE = "revocable";
  /** Header on a {@code send-reserved} reply: the indexes of the payloads refused as invalid, comma-separated. */
  public static final String INVALID = "invalid";
  /** Header on a {@code send-reserved} reply: why the first refused payload was refused. */
  public static final String DETAIL = "detail";

  /** Action: look a channel up (reply: info JSON). Header {@link #KIND} optional. */
  public static final String ACTION_ATTACH = "attach";
  /** Action: send the body; non-blocking unless {@link #TIMEOUT} is present (reply header {@link #RESULT}). */
  public static final String ACTION_SEND = "send";
  /**
   * Action: blocking send of a batch of payloads (body: a {@code DeliveryBatch}) with
   * {@link #TIMEOUT}; reply headers {@link #SENT} and {@link #RESULT} ({@code ok}, {@code closed}
   * or {@code timeout}: why the rest was not sent).
   */
  public static final String ACTION_SEND_ALL = "send-all";
  /** Action: non-blocking receive (reply header {@link #RESULT}, body the payload). */
  public static final String ACTION_TRY_RECEIVE = "try-receive";
  /** Action: blocking receive with {@link #TIMEOUT} (reply as try-receive, or failure TIMEOUT). */
  public static final String ACTION_RECEIVE = "receive";
  /** Action: cancel the blocking receive with {@link #RECEIVE_ID} (fire and forget). */
  public static final String ACTION_CANCEL_RECEIVE = "cancel-receive";
  /** Action: put the body back at the head of the channel (a receive whose caller went away). */
  public static final String ACTION_REQUEUE = "requeue";
  /** Action: close the channel (idempotent). */
  public static final String ACTION_CLOSE = "close";
  /** Action: info (reply: info JSON). */
  public static final String ACTION_INFO = "info";
  /** Action: open a push subscription to {@link #SUBSCRIBER} (reply: info JSON plus {@code sub}). */
  public static final String ACTION_SUBSCRIBE = "subscribe";
  /** Action: credit, acknowledgement and release for a subscription (fire and forget). */
  public static final String ACTION_FLOW = "flow";
  /** Action: end a subscription; unacknowledged messages return to the head (fire and forget). */
  public static final String ACTION_UNSUBSCRIBE = "unsubscribe";
  /**
   * Action: set the producer credit target of subscription {@link #SUBSCRIPTION} (S-EXT-RESERVE)
   * to {@link #CREDIT_BYTES} and {@link #CREDIT_MESSAGES} (fire and forget). Revokes what it holds;
   * answered by a {@link #EVENT_SEND_CREDIT} event with {@link #RESET}, then topped up by more
   * such events as room frees. Ending the subscription gives the reservation back.
   */
  public static final String ACTION_RESERVE = "reserve";
  /**
   * Action: reserved sends of subscription {@link #SUBSCRIPTION} (body: a {@code DeliveryBatch}):
   * enqueued without a room check, using its producer credit. Reply header {@link #RESULT}
   * ({@code ok} or {@code closed}), with {@link #INVALID} and {@link #DETAIL} when some payloads
   * were malformed terms (those are not enqueued; their credit is used all the same).
   */
  public static final String ACTION_SEND_RESERVED = "send-reserved";

  /** Subscriber event: a batch of messages ({@code DeliveryBatch} body). */
  public static final String EVENT_DELIVERIES = "deliveries";
  /** Subscriber event: the channel is closed and empty. */
  public static final String EVENT_CLOSED = "closed";
  /** Subscriber event: the answer to a release. */
  public static final String EVENT_RELEASED = "released";
  /** Subscriber event: producer credit, headers {@link #CREDIT_BYTES}, {@link #CREDIT_MESSAGES}, {@link #RESET}. */
  public static final String EVENT_SEND_CREDIT = "send-credit";
  /** Subscriber event (revocable subscriptions): another receiver wants a message, give back (S-EXT-REVOKE). */
  public static final String EVENT_REVOKE = "revoke";
  /** Subscriber event: the subscription did not answer a revoke in time and was ended by the owner. */
  public static final String EVENT_EXPIRED = "expired";

  /**
   * @param ownerKey an owner key
   * @return the address of that owner
   */
  public static String ownerAddress(String ownerKey) {
    return OWNER_PREFIX + ownerKey;
  }

  /**
   * @param channelId a channel id
   * @return the owner key in the id, or {@code null} when the id is malformed
   */
  public static String ownerKeyOf(String channelId) {
    if (channelId == null) {
      return null;
    }
    int dot = channelId.indexOf('.');
    if (dot <= 0 || dot == channelId.length() - 1) {
      return null;
    }
    return channelId.substring(0, dot);
  }
}
