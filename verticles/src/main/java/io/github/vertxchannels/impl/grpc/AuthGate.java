package io.github.vertxchannels.impl.grpc;

import io.github.vertxchannels.impl.metrics.ChannelCounters;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Bearer-token authentication in front of the gRPC server: a call without
 * {@code authorization: Bearer <token>} naming one of the accepted tokens is answered
 * UNAUTHENTICATED before any handler runs. The health check stays open, so that probes need no
 * secret. Tokens are compared in constant time.
 */
final class AuthGate implements Handler<HttpServerRequest> {

  private static final String HEALTH_PREFIX = "/grpc.health.v1.Health/";

  private final List<byte[]> tokens;
  private final Handler<HttpServerRequest> next;

  AuthGate(List<String> tokens, Handler<HttpServerRequest> next) {
    this.tokens = tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    this.next = next;
  }

  @Override
  public void handle(HttpServerRequest request) {
    if (request.path().startsWith(HEALTH_PREFIX) || allowed(request.getHeader("authorization"))) {
      next.handle(request);
      return;
    }
    ChannelCounters.authFailure(request.remoteAddress(), request.path());
    // A trailers-only gRPC response: HTTP 200 with the status in the headers.
    request.response()
      .putHeader("content-type", "application/grpc")
      .putHeader("grpc-status", "16") // UNAUTHENTICATED
      .putHeader("grpc-message", "missing or invalid bearer token: send 'authorization: Bearer <token>'")
      .end();
  }

  private boolean allowed(String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    boolean ok = false;
    for (byte[] token : tokens) {
      ok |= MessageDigest.isEqual(token, presented);
    }
    return ok;
  }
}
