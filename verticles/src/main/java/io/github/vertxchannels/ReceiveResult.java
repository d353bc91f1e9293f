package io.github.vertxchannels;

import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.Term;
import io.vertx.core.buffer.Buffer;

import java.util.Objects;

/**
 * The outcome of a receive, spelled the Erlang way: a message, {@code {error, empty}} (only from
 * a non-blocking receive of an open channel) or {@code {error, closed}} (the channel is closed and
 * empty). A blocking receive that times out fails with {@link ChannelTimeoutException} instead.
 */
public final class ReceiveResult {

  /** What a receive found. */
  public enum Status {
    /** A message was dequeued. */
    MESSAGE,
    /** The channel is open and empty ({@code {error, empty}}, S-RECV-1). */
    EMPTY,
    /** The channel is closed and empty ({@code {error, closed}}, S-RECV-1, S-CLOSE-2). */
    CLOSED
  }

  private static final ReceiveResult EMPTY = new ReceiveResult(Status.EMPTY, null);
  private static final ReceiveResult CLOSED = new ReceiveResult(Status.CLOSED, null);

  private final Status status;
  private final Buffer payload;

  private ReceiveResult(Status status, Buffer payload) {
    this.status = status;
    this.payload = payload;
  }

  /**
   * @param payload the message received
   * @return a message result
   */
  public static ReceiveResult message(Buffer payload) {
    return new ReceiveResult(Status.MESSAGE, Objects.requireNonNull(payload, "payload"));
  }

  /** @return the {@code {error, empty}} result */
  public static ReceiveResult empty() {
    return EMPTY;
  }

  /** @return the {@code {error, closed}} result */
  public static ReceiveResult closed() {
    return CLOSED;
  }

  /** @return what the receive found */
  public Status status() {
    return status;
  }

  /** @return true when a message was received */
  public boolean isMessage() {
    return status == Status.MESSAGE;
  }

  /** @return true when the channel was open and empty */
  public boolean isEmpty() {
    return status == Status.EMPTY;
  }

  /** @return true when the channel was closed and empty */
  public boolean isClosed() {
    return status == Status.CLOSED;
  }

  /**
   * @return the message's bytes (ETF for a term channel)
   * @throws IllegalStateException when no message was received
   */
  public Buffer payload() {
    if (payload == null) {
      throw new IllegalStateException("no message: the receive found " + status);
    }
    return payload;
  }

  /**
   * Decodes the message of a term channel.
   *
   * @return the term
   * @throws IllegalStateException when no message was received
   */
  public Term term() {
    return Etf.decode(payload());
  }

  @Override
  public String toString() {
    return status == Status.MESSAGE ? "message(" + payload.length() + " bytes)" : "{error, " + status.name().toLowerCase() + "}";
  }
}
