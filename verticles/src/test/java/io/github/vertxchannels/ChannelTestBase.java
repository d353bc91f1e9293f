package io.github.vertxchannels;

import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.Term;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Deploys a {@link ChannelVerticle} on a fresh Vert.x (with the default blocked-thread checker)
 * before each test. Tests run on the JUnit thread and wait for futures there, never on an event
 * loop, so they read top to bottom like the contract.
 */
@ExtendWith(VertxExtension.class)
abstract class ChannelTestBase {

  protected Vertx vertx;
  protected Channels channels;

  @BeforeEach
  void deployChannelVerticle(Vertx vertx) {
    this.vertx = vertx;
    await(vertx.deployVerticle(new ChannelVerticle()));
    this.channels = Channels.create(vertx);
  }

  /** Waits for a future from the test thread (never an event loop). */
  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new AssertionError(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Asserts that a future fails with the given type, and returns the failure. */
  static <E extends Throwable> E awaitFailure(Class<E> type, Future<?> future) {
    RuntimeException thrown = assertThrows(RuntimeException.class, () -> await(future));
    return assertInstanceOf(type, thrown);
  }

  protected Channel newChannel(ChannelKind kind, long maxSize) {
    return kind == ChannelKind.TERM ? await(channels.newChannel(maxSize)) : await(channels.newByteChannel(maxSize));
  }

  /**
   * A payload of exactly {@code n} bytes for a channel of this kind: raw bytes, or an ETF binary
   * whose encoding is {@code n} bytes long (6 bytes of header, so {@code n >= 6}).
   */
  static Buffer payload(ChannelKind kind, int n, int tag) {
    if (kind == ChannelKind.BYTES) {
      byte[] b = new byte[n];
      Arrays.fill(b, (byte) tag);
      return Buffer.buffer(b);
    }
    byte[] data = new byte[n - 6];
    Arrays.fill(data, (byte) tag);
    Buffer etf = Etf.encode(Term.binary(data));
    if (etf.length() != n) {
      throw new IllegalStateException("expected " + n + " ETF bytes, got " + etf.length());
    }
    return etf;
  }

  /** A small payload that identifies message {@code i}. */
  static Buffer message(ChannelKind kind, int i) {
    return kind == ChannelKind.BYTES
      ? Buffer.buffer("m" + i)
      : Etf.encode(Term.tuple(Term.atom("m"), Term.integer(i)));
  }
}
