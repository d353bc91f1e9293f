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
   * Default cap of the producer credit one Stream may hold (S-EXT-RESERVE): 4 MiB (never more
   * than the channel's max_size either). Enough for full-speed pipelining of 64 KiB messages.
   */
  public static final long DEFAULT_MAX_RESERVE_BYTES_PER_STREAM = 4L * 1024 * 1024;
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
  private int maxChannelsPerConnection;
  private long maxPendingBytesPerConnection;
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
   *             max_pending_bytes_per_connection, max_reserve_bytes_per_stream}
   */
  public ChannelServerOptions(JsonObject json) {
    setHost(json.getString("host", DEFAULT_HOST));
    setPort(json.getInteger("port", DEFAULT_PORT));
    setMaxMessageSize(json.getInteger("max_message_size", DEFAULT_MAX_MESSAGE_SIZE));
    setBatchMaxBytes(json.getInteger("batch_max_bytes", DEFAULT_BATCH_MAX_BYTES));
    setBatchMaxMessages(json.getInteger("batch_max_messages", DEFAULT_BATCH_MAX_MESSAGES));
    setKeepaliveIntervalMs(json.getLong("keepalive_interval_ms", DEFAULT_KEEPALIVE_INTERVAL_MS));
    setPlacement(json.getString("placement", DEFAULT_PLACEMENT));
    JsonObject tls = json.getJsonObject("tls");
    if (tls != null) {
      setTls(tls.getString("cert"), tls.getString("key"));
    }
    JsonArray tokens = json.getJsonArray("auth_tokens");
    if (tokens != null) {
      List<String> list = new ArrayList<>();
      tokens.forEach(t -> list.add(String.valueOf(t)));
      setAuthTokens(list);
    }
    setMaxChannelsPerConnection(json.getInteger("max_channels_per_connection", 0));
    setMaxPendingBytesPerConnection(json.getLong("max_pending_bytes_per_connection", 0L));
    setMaxReserveBytesPerStream(json.getLong("max_reserve_bytes_per_stream", DEFAULT_MAX_RESERVE_BYTES_PER_STREAM));
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
    for (String t : authTokens) {
      if (t == null || t.length() < 16) {
        throw new IllegalArgumentException("auth_tokens must be at least 16 characters long");
      }
    }
    this.authTokens = new ArrayList<>(authTokens);
    return this;
  }

  /** @return how many channels one client connection may create; 0 = no limit */
  public int getMaxChannelsPerConnection() {
    return maxChannelsPerConnection;
  }

  /** @param max channels one connection may create (0 = no limit); more get RESOURCE_EXHAUSTED */
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
}
