package io.github.vertxchannels.grpc;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Options of the vertx-channels server: where the gRPC endpoint listens, how large a message may
 * be, how pushed messages are batched, and how dead clients are detected. Every option has the
 * same key in the JSON config file ({@code -conf}).
 */
public class ChannelServerOptions {

  /** Default host: loopback only, safe for development. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** Default gRPC port. */
  public static final int DEFAULT_PORT = 9090;
  /** Default largest message payload: 16 MiB. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
  /**
   * Default limit of one Deliveries frame in bytes of payload (a larger single message travels
   * alone). 1 MiB because a Python client pays a fixed cost per gRPC message (thread hand-offs in
   * grpcio): with 64 KiB payloads, 1 MiB frames cut its CPU per payload by about 40% against
   * 256 KiB frames (make bench); frames only coalesce what is already queued, so an idle
   * channel's latency does not change.
   */
  public static final int DEFAULT_BATCH_MAX_BYTES = 1024 * 1024;
  /** Default limit of one Deliveries frame in messages. */
  public static final int DEFAULT_BATCH_MAX_MESSAGES = 4096;
  /** Default interval between HTTP/2 PINGs to each client connection, in ms. */
  public static final long DEFAULT_KEEPALIVE_INTERVAL_MS = 10_000;
  /** Default placement of new channels: on the node the client is connected to. */
  public static final String DEFAULT_PLACEMENT = "local";
  /**
   * Default cap of the producer credit one Stream may hold (S-EXT-RESERVE): 16 MiB (never more
   * than the channel's max_size either). Measured: 4 MiB kept a Python producer of 64 KiB
   * messages waiting for top-ups (250-270 MB/s); 16 MiB let it run at 350-550 MB/s. Reserved room
   * is accounting, not memory, and an idle producer gives it back within milliseconds.
   */
  public static final long DEFAULT_MAX_RESERVE_BYTES_PER_STREAM = 16L * 1024 * 1024;
  /** Cap of the producer credit one Stream may hold, in messages (S-EXT-RESERVE). */
  public static final int MAX_RESERVE_MESSAGES_PER_STREAM = 4096;
  /**
   * The most payloads one Stream Send frame may carry; a frame with more ends the call with
   * RESOURCE_EXHAUSTED (each payload costs the server memory beyond its bytes).
   */
  public static final int MAX_PAYLOADS_PER_SEND = 4096;
  /**
   * What every payload of a send costs in max_pending_bytes_per_connection accounting on top of
   * its length (its bookkeeping in the server), so that empty payloads are not free.
   */
  public static final int PAYLOAD_COST_BYTES = 64;
  /** Bytes of gRPC and protobuf framing allowed on top of the largest payload. */
  public static final int FRAMING_HEADROOM = 64 * 1024;
  /**
   * Default {@code max_channels_per_connection}: 10,000 channels per client identity (its bearer
   * token when authentication is on, else its IP address), open at once; closed channels are given
   * back. An empty channel costs about a kilobyte, so this bounds one client's empty channels to
   * about 10 MB, while test sessions and the conformance suite, which create thousands of channels
   * from one address without closing them all, run unchanged (the soak holds 240).
   */
  public static final int DEFAULT_MAX_CHANNELS_PER_CONNECTION = 10_000;
  /**
   * Default {@code max_pending_bytes_per_connection}: 64 MiB of sends waiting in the server per
   * connection, four largest messages; a single send larger than the budget still goes through
   * when nothing else of that connection waits.
   */
  public static final long DEFAULT_MAX_PENDING_BYTES_PER_CONNECTION = 64L * 1024 * 1024;
  /**
   * Default {@code max_pending_bytes}: a quarter of the JVM's maximum heap for the sends of all
   * connections together that wait in the server (the per-connection bound alone would let many
   * connections exhaust the heap; half of it holds the channels, see {@code max_total_bytes}).
   */
  public static long defaultMaxPendingBytes() {
    return Runtime.getRuntime().maxMemory() / 4;
  }
  /**
   * Default {@code max_channel_size}: 256 MiB, the largest max_size a gRPC client may ask for;
   * a Create with max_size 0 ("unlimited") gets this cap as its max_size (reported by Info).
   * 256 MiB is the heap of {@code make run}: anything larger could not be held anyway.
   */
  public static final long DEFAULT_MAX_CHANNEL_SIZE = 256L * 1024 * 1024;
  /** Default {@code idle_timeout_ms}: a connection with no open call and no traffic for 5 minutes is closed. */
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 5 * 60 * 1000;
  /**
   * Default {@code handshake_timeout_ms}: a connection must complete its HTTP/2 preface (and TLS
   * handshake) and start its first call within 10 seconds, else it is closed.
   */
  public static final long DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

  /**
   * Every key the server's config may hold: ours, and those of the components deployed with the
   * same config ({@code closed_retention_ms} and {@code max_total_bytes} of the channel verticle, {@code cluster} of the
   * launcher). Any other key is refused, naming it, so that a typo is not silently ignored.
   */
  public static final java.util.Set<String> KNOWN_KEYS = java.util.Set.of("host", "port", "max_message_size",
    "batch_max_bytes", "batch_max_messages", "keepalive_interval_ms", "placement", "tls", "auth_tokens",
    "max_channels_per_connection", "max_pending_bytes_per_connection", "max_pending_bytes", "max_channel_size",
    "send_to_address_prefixes", "idle_timeout_ms", "handshake_timeout_ms", "max_reserve_bytes_per_stream",
    "closed_retention_ms", "max_total_bytes", "cluster", "metrics");

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  private int batchMaxBytes = DEFAULT_BATCH_MAX_BYTES;
  private int batchMaxMessages = DEFAULT_BATCH_MAX_MESSAGES;
  private long keepaliveIntervalMs = DEFAULT_KEEPALIVE_INTERVAL_MS;
  private String placement = DEFAULT_PLACEMENT;
  private String tlsCertPath;
  private String tlsKeyPath;
  private List<String> authTokens = new ArrayList<>();
  private int maxChannelsPerConnection = DEFAULT_MAX_CHANNELS_PER_CONNECTION;
  private long maxPendingBytesPerConnection = DEFAULT_MAX_PENDING_BYTES_PER_CONNECTION;
  private long maxPendingBytes = defaultMaxPendingBytes();
  private long maxChannelSize = DEFAULT_MAX_CHANNEL_SIZE;
  private List<String> sendToAddressPrefixes = new ArrayList<>();
  private long idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
  private long handshakeTimeoutMs = DEFAULT_HANDSHAKE_TIMEOUT_MS;
  private long maxReserveBytesPerStream = DEFAULT_MAX_RESERVE_BYTES_PER_STREAM;

  /** Options with every default. */
  public ChannelServerOptions() {
  }

  /**
   * Copy constructor.
   *
   * @param other the options to copy
   */
  public ChannelServerOptions(ChannelServerOptions other) {
    this(other.toJson());
  }

  /**
   * Options from JSON; absent keys keep their defaults, and every value is validated.
   *
   * @param json keys {@code host, port, max_message_size, batch_max_bytes, batch_max_messages,
   *             keepalive_interval_ms, placement, tls: {cert, key}, auth_tokens, max_channels_per_connection,
   *             max_pending_bytes_per_connection, max_pending_bytes, max_reserve_bytes_per_stream}
   */
  public ChannelServerOptions(JsonObject json) {
    for (String key : json.fieldNames()) {
      if (!KNOWN_KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown config key '" + key + "'; known keys: "
          + new java.util.TreeSet<>(KNOWN_KEYS));
      }
    }
    setHost(string(json, "host", DEFAULT_HOST));
    setPort((int) integer(json, "port", DEFAULT_PORT, 0, 65535));
    setMaxMessageSize((int) integer(json, "max_message_size", DEFAULT_MAX_MESSAGE_SIZE, 1024, Integer.MAX_VALUE - FRAMING_HEADROOM));
    setBatchMaxBytes((int) integer(json, "batch_max_bytes", DEFAULT_BATCH_MAX_BYTES, 1, Integer.MAX_VALUE));
    setBatchMaxMessages((int) integer(json, "batch_max_messages", DEFAULT_BATCH_MAX_MESSAGES, 1, Integer.MAX_VALUE));
    setKeepaliveIntervalMs(integer(json, "keepalive_interval_ms", DEFAULT_KEEPALIVE_INTERVAL_MS, 0, Long.MAX_VALUE));
    setPlacement(string(json, "placement", DEFAULT_PLACEMENT));
    Object tls = json.getValue("tls");
    if (tls != null) {
      if (!(tls instanceof JsonObject t)) {
        throw new IllegalArgumentException("config key 'tls' must be an object {\"cert\": <PEM file>, \"key\": <PEM file>}, got " + describe(tls));
      }
      for (String key : t.fieldNames()) {
        if (!key.equals("cert") && !key.equals("key")) {
          throw new IllegalArgumentException("unknown config key 'tls." + key + "'; known keys: tls.cert, tls.key");
        }
      }
      setTls(string(t, "cert", null), string(t, "key", null));
    }
    List<String> tokens = strings(json, "auth_tokens");
    if (tokens != null) {
      setAuthTokens(tokens);
    }
    setMaxChannelsPerConnection((int) integer(json, "max_channels_per_connection", DEFAULT_MAX_CHANNELS_PER_CONNECTION, 0, Integer.MAX_VALUE));
    setMaxPendingBytesPerConnection(integer(json, "max_pending_bytes_per_connection", DEFAULT_MAX_PENDING_BYTES_PER_CONNECTION, 0, Long.MAX_VALUE));
    setMaxPendingBytes(integer(json, "max_pending_bytes", defaultMaxPendingBytes(), 0, Long.MAX_VALUE));
    setMaxChannelSize(integer(json, "max_channel_size", DEFAULT_MAX_CHANNEL_SIZE, 0, Long.MAX_VALUE));
    List<String> prefixes = strings(json, "send_to_address_prefixes");
    if (prefixes != null) {
      setSendToAddressPrefixes(prefixes);
    }
    setIdleTimeoutMs(integer(json, "idle_timeout_ms", DEFAULT_IDLE_TIMEOUT_MS, 0, Long.MAX_VALUE));
    setHandshakeTimeoutMs(integer(json, "handshake_timeout_ms", DEFAULT_HANDSHAKE_TIMEOUT_MS, 0, Long.MAX_VALUE));
    setMaxReserveBytesPerStream(integer(json, "max_reserve_bytes_per_stream", DEFAULT_MAX_RESERVE_BYTES_PER_STREAM, 0, Long.MAX_VALUE));
  }

  private static String describe(Object value) {
    if (value instanceof String str) {
      return "the string \"" + str + "\"";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    return value instanceof Boolean ? "the boolean " + value : String.valueOf(value);
  }

  private static String string(JsonObject json, String key, String absent) {
    Object v = json.getValue(key);
    if (v == null) {
      return absent;
    }
    if (!(v instanceof String str)) {
      throw new IllegalArgumentException("config key '" + key + "' must be a string, got " + describe(v));
    }
    return str;
  }

  private static long integer(JsonObject json, String key, long absent, long min, long max) {
    Object v = json.getValue(key);
    if (v == null) {
      return absent;
    }
    if (!(v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte)) {
      if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 9e15) {
        v = n.longValue();
      } else {
        throw new IllegalArgumentException("config key '" + key + "' must be an integer, got " + describe(v));
      }
    }
    long n = ((Number) v).longValue();
    if (n < min || n > max) {
      throw new IllegalArgumentException("config key '" + key + "' must be in " + min + ".." + max + ", got " + n);
    }
    return n;
  }

  private static List<String> strings(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonArray array)) {
      throw new IllegalArgumentException("config key '" + key + "' must be an array of strings, got " + describe(v));
    }
    List<String> list = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      Object e = array.getValue(i);
      if (!(e instanceof String str)) {
        throw new IllegalArgumentException("config key '" + key + "' must be an array of strings, but element " + i + " is " + describe(e));
      }
      list.add(str);
    }
    return list;
  }

  /** @return these options as JSON */
  public JsonObject toJson() {
    JsonObject json = new JsonObject()
      .put("host", host)
      .put("port", port)
      .put("max_message_size", maxMessageSize)
      .put("batch_max_bytes", batchMaxBytes)
      .put("batch_max_messages", batchMaxMessages)
      .put("keepalive_interval_ms", keepaliveIntervalMs)
      .put("placement", placement)
      .put("auth_tokens", new JsonArray(new ArrayList<>(authTokens)))
      .put("max_channels_per_connection", maxChannelsPerConnection)
      .put("max_pending_bytes_per_connection", maxPendingBytesPerConnection)
      .put("max_pending_bytes", maxPendingBytes)
      .put("max_channel_size", maxChannelSize)
      .put("send_to_address_prefixes", new JsonArray(new ArrayList<>(sendToAddressPrefixes)))
      .put("idle_timeout_ms", idleTimeoutMs)
      .put("handshake_timeout_ms", handshakeTimeoutMs)
      .put("max_reserve_bytes_per_stream", maxReserveBytesPerStream);
    if (tlsCertPath != null) {
      json.put("tls", new JsonObject().put("cert", tlsCertPath).put("key", tlsKeyPath));
    }
    return json;
  }

  /** @return the host the gRPC server binds */
  public String getHost() {
    return host;
  }

  /** @param host the host to bind; {@code 0.0.0.0} exposes the server to the network */
  public ChannelServerOptions setHost(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    this.host = host;
    return this;
  }

  /** @return the port; 0 picks a free one */
  public int getPort() {
    return port;
  }

  /** @param port 0..65535; 0 picks a free port */
  public ChannelServerOptions setPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, got " + port);
    }
    this.port = port;
    return this;
  }

  /** @return the largest message payload accepted and pushed, in bytes */
  public int getMaxMessageSize() {
    return maxMessageSize;
  }

  /** @param maxMessageSize bytes, at least 1024 */
  public ChannelServerOptions setMaxMessageSize(int maxMessageSize) {
    if (maxMessageSize < 1024 || maxMessageSize > Integer.MAX_VALUE - FRAMING_HEADROOM) {
      throw new IllegalArgumentException("max_message_size must be in 1024.." + (Integer.MAX_VALUE - FRAMING_HEADROOM) + " bytes, got " + maxMessageSize);
    }
    this.maxMessageSize = maxMessageSize;
    return this;
  }

  /** @return the payload-byte limit of one Deliveries frame */
  public int getBatchMaxBytes() {
    return batchMaxBytes;
  }

  /** @param batchMaxBytes bytes, at least 1 */
  public ChannelServerOptions setBatchMaxBytes(int batchMaxBytes) {
    if (batchMaxBytes < 1) {
      throw new IllegalArgumentException("batch_max_bytes must be positive, got " + batchMaxBytes);
    }
    this.batchMaxBytes = batchMaxBytes;
    return this;
  }

  /** @return the message limit of one Deliveries frame; 1 disables batching */
  public int getBatchMaxMessages() {
    return batchMaxMessages;
  }

  /** @param batchMaxMessages messages, at least 1 (1 = no batching) */
  public ChannelServerOptions setBatchMaxMessages(int batchMaxMessages) {
    if (batchMaxMessages < 1) {
      throw new IllegalArgumentException("batch_max_messages must be positive, got " + batchMaxMessages);
    }
    this.batchMaxMessages = batchMaxMessages;
    return this;
  }

  /**
   * @return the HTTP/2 PING interval; a connection that leaves a PING unanswered for a whole
   * interval is closed and its streams' unacknowledged messages are redelivered
   */
  public long getKeepaliveIntervalMs() {
    return keepaliveIntervalMs;
  }

  /** @param keepaliveIntervalMs milliseconds, at least 100; 0 disables server PINGs */
  public ChannelServerOptions setKeepaliveIntervalMs(long keepaliveIntervalMs) {
    if (keepaliveIntervalMs != 0 && keepaliveIntervalMs < 100) {
      throw new IllegalArgumentException("keepalive_interval_ms must be 0 (off) or at least 100, got " + keepaliveIntervalMs);
    }
    this.keepaliveIntervalMs = keepaliveIntervalMs;
    return this;
  }

  /**
   * @return where Create puts new channels in a cluster: {@code local} (the node the client is
   * connected to) or {@code spread} (the nodes in turn)
   */
  public String getPlacement() {
    return placement;
  }

  /** @param placement {@code local} or {@code spread} */
  public ChannelServerOptions setPlacement(String placement) {
    if (!"local".equals(placement) && !"spread".equals(placement)) {
      throw new IllegalArgumentException("placement must be 'local' or 'spread', got '" + placement + "'");
    }
    this.placement = placement;
    return this;
  }

  /** @return whether the server speaks TLS */
  public boolean isTls() {
    return tlsCertPath != null;
  }

  /** @return the PEM certificate (chain) file of the server, or {@code null} for plaintext */
  public String getTlsCertPath() {
    return tlsCertPath;
  }

  /** @return the PEM private key file of the server, or {@code null} for plaintext */
  public String getTlsKeyPath() {
    return tlsKeyPath;
  }

  /**
   * Serves gRPC over TLS (HTTP/2 with ALPN).
   *
   * @param certPath PEM certificate (chain) file
   * @param keyPath PEM private key file (PKCS#8 or PKCS#1)
   */
  public ChannelServerOptions setTls(String certPath, String keyPath) {
    if ((certPath == null) != (keyPath == null)) {
      throw new IllegalArgumentException("tls needs both 'cert' and 'key' (PEM files), got cert=" + certPath + " key=" + keyPath);
    }
    this.tlsCertPath = certPath;
    this.tlsKeyPath = keyPath;
    return this;
  }

  /** @return the bearer tokens accepted; empty = no authentication */
  public List<String> getAuthTokens() {
    return authTokens;
  }

  /**
   * Requires every call (but the health check) to carry {@code authorization: Bearer <token>}
   * with one of these tokens; others get UNAUTHENTICATED. Several tokens allow rotation.
   *
   * @param authTokens the tokens; empty disables authentication
   */
  public ChannelServerOptions setAuthTokens(List<String> authTokens) {
    for (int i = 0; i < authTokens.size(); i++) {
      String t = authTokens.get(i);
      if (t == null || t.isBlank()) {
        throw new IllegalArgumentException("auth_tokens: token " + i + " is empty");
      }
      if (!t.equals(t.strip())) {
        throw new IllegalArgumentException("auth_tokens: token " + i + " has leading or trailing whitespace, which no client would send");
      }
      if (t.length() < 16) {
        throw new IllegalArgumentException("auth_tokens: token " + i + " is " + t.length() + " characters long; at least 16 are needed");
      }
    }
    this.authTokens = new ArrayList<>(authTokens);
    return this;
  }

  /**
   * @return how many channels one client may hold open at once; 0 = no limit. A client is its
   * bearer token when authentication is on, else its IP address, so that reconnecting does not
   * reset the count; channels it created are given back when they are closed (or gone).
   */
  public int getMaxChannelsPerConnection() {
    return maxChannelsPerConnection;
  }

  /** @param max channels one client may hold open at once (0 = no limit); more get RESOURCE_EXHAUSTED */
  public ChannelServerOptions setMaxChannelsPerConnection(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max_channels_per_connection must not be negative, got " + max);
    }
    this.maxChannelsPerConnection = max;
    return this;
  }

  /** @return how many bytes of one connection's sends may wait in the server at once; 0 = no limit */
  public long getMaxPendingBytesPerConnection() {
    return maxPendingBytesPerConnection;
  }

  /**
   * @param max bytes of one connection's sends (unary Send and Stream Send frames) that may wait
   *            in the server for their answer at once, 0 = no limit. A blocking send on a full
   *            channel holds its payload outside the channel's max_size until there is room: this
   *            bounds that memory per client. More is refused with RESOURCE_EXHAUSTED (unary) or
   *            SEND_RESULT_LIMIT (Stream); nothing is enqueued.
   */
  public ChannelServerOptions setMaxPendingBytesPerConnection(long max) {
    if (max < 0) {
      throw new IllegalArgumentException("max_pending_bytes_per_connection must not be negative, got " + max);
    }
    this.maxPendingBytesPerConnection = max;
    return this;
  }

  /** @return how many bytes of the sends of all connections together may wait in the server; 0 = no limit */
  public long getMaxPendingBytes() {
    return maxPendingBytes;
  }

  /**
   * @param max bytes of the sends of all connections together that may wait in the server for
   *            their answer at once, 0 = no limit; more is refused like a connection over
   *            {@code max_pending_bytes_per_connection}. Bounds what many connections can pin
   *            together (each within its own budget).
   */
  public ChannelServerOptions setMaxPendingBytes(long max) {
    if (max < 0) {
      throw new IllegalArgumentException("max_pending_bytes must not be negative, got " + max);
    }
    this.maxPendingBytes = max;
    return this;
  }

  /** @return the most producer credit (reserved room) one Stream may hold, in bytes */
  public long getMaxReserveBytesPerStream() {
    return maxReserveBytesPerStream;
  }

  /**
   * @param max the most producer credit one Stream may hold, in bytes (S-EXT-RESERVE): a Reserve
   *            frame asking for more is capped to it (and to the channel's max_size). 0 turns
   *            reservations off (every Reserve is answered with no credit).
   */
  public ChannelServerOptions setMaxReserveBytesPerStream(long max) {
    if (max < 0) {
      throw new IllegalArgumentException("max_reserve_bytes_per_stream must not be negative, got " + max);
    }
    this.maxReserveBytesPerStream = max;
    return this;
  }

  /**
   * @return the largest max_size a gRPC client may ask for at Create, in bytes (0 = no cap); a
   * Create with max_size 0 (unlimited) gets this cap as its max_size
   */
  public long getMaxChannelSize() {
    return maxChannelSize;
  }

  /**
   * @param max bytes, 0 = no cap (unlimited channels allowed), else at least 1024. A larger
   *            max_size is refused with INVALID_ARGUMENT; max_size 0 is capped to this value.
   */
  public ChannelServerOptions setMaxChannelSize(long max) {
    if (max != 0 && max < 1024) {
      throw new IllegalArgumentException("max_channel_size must be 0 (no cap) or at least 1024 bytes, got " + max);
    }
    this.maxChannelSize = max;
    return this;
  }

  /**
   * @return the event-bus address prefixes, beyond {@code vertx-channels.reply.}, that gRPC
   * clients may send to (SendToAddress)
   */
  public List<String> getSendToAddressPrefixes() {
    return sendToAddressPrefixes;
  }

  /**
   * Lets gRPC clients send (SendToAddress) to addresses starting with one of these prefixes, in
   * addition to {@code vertx-channels.reply.*} (see {@link io.github.vertxchannels.Channels#replyAddress()}).
   * The event bus's own addresses ({@code __vertx.*}) and vertx-channels' internal ones are
   * never reachable, whatever this says.
   *
   * @param prefixes non-empty prefixes, e.g. {@code "myapp.replies."}
   */
  public ChannelServerOptions setSendToAddressPrefixes(List<String> prefixes) {
    for (String p : prefixes) {
      if (p == null || p.isEmpty()) {
        throw new IllegalArgumentException("send_to_address_prefixes: a prefix must not be empty (it would open every address)");
      }
      if (p.startsWith("__vertx") || p.startsWith(io.github.vertxchannels.ChannelAddresses.PREFIX)) {
        throw new IllegalArgumentException("send_to_address_prefixes: '" + p
          + "' is internal (the event bus's or vertx-channels' own addresses): never reachable from clients");
      }
    }
    this.sendToAddressPrefixes = new ArrayList<>(prefixes);
    return this;
  }

  /** @return how long a connection may stay without any traffic before it is closed, in ms; 0 = never */
  public long getIdleTimeoutMs() {
    return idleTimeoutMs;
  }

  /**
   * @param ms milliseconds without any read or write on a connection after which it is closed
   *           (0 = never, else at least 1000); keepalive PINGs count as traffic, so connections
   *           with open streams stay up while their clients answer
   */
  public ChannelServerOptions setIdleTimeoutMs(long ms) {
    if (ms != 0 && ms < 1000) {
      throw new IllegalArgumentException("idle_timeout_ms must be 0 (never) or at least 1000, got " + ms);
    }
    this.idleTimeoutMs = ms;
    return this;
  }

  /** @return how long a new connection has to send its HTTP/2 preface and first request, in ms; 0 = forever */
  public long getHandshakeTimeoutMs() {
    return handshakeTimeoutMs;
  }

  /**
   * @param ms milliseconds a new connection has to complete its TLS handshake and HTTP/2 preface
   *           and start its first call (0 = forever, else at least 100); else it is closed
   */
  public ChannelServerOptions setHandshakeTimeoutMs(long ms) {
    if (ms != 0 && ms < 100) {
      throw new IllegalArgumentException("handshake_timeout_ms must be 0 (forever) or at least 100, got " + ms);
    }
    this.handshakeTimeoutMs = ms;
    return this;
  }
}
