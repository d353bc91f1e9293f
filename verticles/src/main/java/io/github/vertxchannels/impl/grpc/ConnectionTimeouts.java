package io.github.vertxchannels.impl.grpc;

import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;

import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Closes connections that hold a socket without using it, as hardened gRPC servers do:
 * <ul>
 *   <li>{@code handshake_timeout_ms}: from the TCP accept until the HTTP/2 connection is up (TLS
 *   handshake, preface, settings), a connection that sends nothing for this long is closed: a
 *   client that connects and stays silent does not pin a socket;</li>
 *   <li>{@code idle_timeout_ms}: an established connection without any open call and without any
 *   traffic for this long is closed (grpc-java's {@code maxConnectionIdle}); a gRPC client
 *   reconnects transparently on its next call.</li>
 * </ul>
 * The handshake timeout is Vert.x's idle handler, installed at accept (named {@code idle}); once
 * the HTTP/2 connection is up it is replaced by one with the idle timeout.
 */
public final class ConnectionTimeouts {

  private static final Logger LOG = Logger.getLogger(ConnectionTimeouts.class.getName());

  private final long idleMs;
  private final long handshakeMs;

  /**
   * @param idleMs {@code idle_timeout_ms} (0 = never)
   * @param handshakeMs {@code handshake_timeout_ms} (0 = forever)
   */
  public ConnectionTimeouts(long idleMs, long handshakeMs) {
    this.idleMs = idleMs;
    this.handshakeMs = handshakeMs;
  }

  /** Applies the handshake timeout to HTTP server options (the TCP idle timeout until the connection is up). */
  public HttpServerOptions apply(HttpServerOptions http) {
    long first = handshakeMs > 0 ? handshakeMs : idleMs;
    if (first > 0) {
      http.setIdleTimeout((int) Math.min(Integer.MAX_VALUE, first)).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    if (handshakeMs > 0) {
      http.setSslHandshakeTimeout(handshakeMs).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    return http;
  }

  /** @return the connection handler that switches an established connection to the idle timeout */
  public Handler<HttpConnection> onConnection() {
    return connection -> {
      if (handshakeMs <= 0) {
        return; // the TCP idle timeout is the idle timeout already
      }
      try {
        // Vert.x exposes no per-connection idle timeout: its internal connection gives the pipeline.
        ChannelPipeline pipeline = ((io.vertx.core.net.impl.ConnectionBase) connection).channel().pipeline();
        if (pipeline.get("idle") != null) {
          pipeline.remove("idle");
          if (idleMs > 0) {
            // Added once the current read is done: adding a handler in the middle of it breaks the connection.
            pipeline.channel().eventLoop().execute(() -> pipeline.addFirst("vertx-channels-idle", new IdleCloser(idleMs)));
          }
        }
      } catch (RuntimeException e) {
        // Not the connection type we know (another Vert.x version): the handshake timeout stays in force.
        LOG.log(Level.WARNING, "cannot switch a connection to idle_timeout_ms; it keeps handshake_timeout_ms", e);
      }
    };
  }

  /** Closes the channel when nothing was read or written for {@code idleMs}. */
  private static final class IdleCloser extends ChannelDuplexHandler {
    private final long idleNanos;
    private long last = System.nanoTime();
    private ScheduledFuture<?> check;

    IdleCloser(long idleMs) {
      this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMs);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      long period = Math.max(TimeUnit.NANOSECONDS.toMillis(idleNanos) / 4, 10);
      check = ctx.executor().scheduleAtFixedRate(() -> {
        // Idle means no open call either (grpc-java's max_connection_idle): a long-polling
        // Receive on an otherwise silent connection is not idle.
        Http2ConnectionHandler h2 = ctx.pipeline().get(Http2ConnectionHandler.class);
        if (h2 != null && h2.connection().numActiveStreams() > 0) {
          last = System.nanoTime();
        } else if (System.nanoTime() - last > idleNanos) {
          check.cancel(false);
          ctx.close();
        }
      }, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      if (check != null) {
        check.cancel(false);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      last = System.nanoTime();
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      last = System.nanoTime();
      ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      handlerRemoved(ctx);
      ctx.fireChannelInactive();
    }
  }
}
