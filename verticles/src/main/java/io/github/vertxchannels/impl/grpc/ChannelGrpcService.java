package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.grpc.ChannelServerOptions;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpcService;
import io.github.vertxchannels.impl.EventBusChannels;
import io.github.vertxchannels.impl.NodeState;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.grpc.server.GrpcServer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Binds {@code vertx.channels.v1.ChannelService} on a {@link GrpcServer}: one handler per rpc,
 * every one of them a thin adapter over the event-bus Java API.
 */
public final class ChannelGrpcService {

  private final Vertx vertx;
  private final ChannelServerOptions options;
  private final EventBusChannels channels;
  private final Keepalive keepalive;
  private final ConnectionTimeouts timeouts;
  private final Set<StreamSession> sessions = Collections.newSetFromMap(new IdentityHashMap<>());

  /**
   * @param vertx the Vert.x instance (a channel verticle must be deployed on it or its cluster)
   * @param options server options (message limit, batching, keepalive)
   */
  public ChannelGrpcService(Vertx vertx, ChannelServerOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.channels = new EventBusChannels(vertx, "spread".equals(options.getPlacement()));
    this.keepalive = new Keepalive(vertx, options.getKeepaliveIntervalMs());
    this.timeouts = new ConnectionTimeouts(options.getIdleTimeoutMs(), options.getHandshakeTimeoutMs());
  }

  /** Binds every rpc on the server. */
  public void bind(GrpcServer server) {
    // Channels are counted per client identity (ChannelBudget), not per connection: 0 here.
    ConnectionLimits limits = new ConnectionLimits(0, options.getMaxPendingBytesPerConnection(), options.getMaxPendingBytes());
    new UnaryCalls(channels, limits, options).bind(server);
    long maxRequestBytes = (long) options.getMaxMessageSize() + ChannelServerOptions.FRAMING_HEADROOM;
    server.callHandler(ChannelServiceGrpcService.TryReceive, call -> Requests.onRequest(call,
      ChannelServiceGrpcService.TryReceive.decoder(), maxRequestBytes,
      request -> ReceiveCall.start(channels, call, request.getChannelId(), null)));
    server.callHandler(ChannelServiceGrpcService.Receive, call -> Requests.onRequest(call,
      ChannelServiceGrpcService.Receive.decoder(), maxRequestBytes,
      request -> ReceiveCall.start(channels, call, request.getChannelId(), request.getTimeoutMs())));
    server.callHandler(ChannelServiceGrpcService.Stream, call -> {
      GrpcErrors.refuseInvalid(call, maxRequestBytes);
      keepalive.watch(call.connection());
      StreamSession session = new StreamSession(vertx, options, limits, call, sessions::remove);
      sessions.add(session);
      session.start();
    });
  }

  /**
   * @param grpcServer the gRPC server
   * @return the request handler to install: the server itself, behind bearer-token
   * authentication when tokens are configured
   */
  public Handler<HttpServerRequest> gate(GrpcServer grpcServer) {
    return options.getAuthTokens().isEmpty() ? grpcServer : new AuthGate(options.getAuthTokens(), grpcServer);
  }

  /**
   * Applies the TLS options (PEM certificate and key, ALPN for HTTP/2) to HTTP server options.
   *
   * @return {@code http}
   */
  public static HttpServerOptions tls(ChannelServerOptions options, HttpServerOptions http) {
    if (options.isTls()) {
      http.setSsl(true).setUseAlpn(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(options.getTlsCertPath()).setKeyPath(options.getTlsKeyPath()));
    }
    return http;
  }

  /**
   * Applies the connection timeouts ({@code handshake_timeout_ms}, {@code idle_timeout_ms}) to
   * HTTP server options; install {@link #onConnection()} as the server's connection handler too.
   *
   * @return {@code http}
   */
  public HttpServerOptions timeouts(HttpServerOptions http) {
    return timeouts.apply(http);
  }

  /** @return the HTTP server's connection handler: switches established connections to the idle timeout */
  public Handler<HttpConnection> onConnection() {
    return timeouts.onConnection();
  }

  /** Ends every open stream with UNAVAILABLE; their unacknowledged messages return to their channels. */
  public void shutdown() {
    NodeState.markStopping(vertx);
    new ArrayList<>(sessions).forEach(StreamSession::shutdown);
  }

  /** @return how many Stream calls are open */
  public int openStreams() {
    return sessions.size();
  }

}
