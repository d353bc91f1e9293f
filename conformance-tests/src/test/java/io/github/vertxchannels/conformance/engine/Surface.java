package io.github.vertxchannels.conformance.engine;

/**
 * One transport's adapter (the Connector SPI of the suite): it maps each step to one API call and
 * the answer to the catalogue's vocabulary ({@link Outcome}), nothing more. All calls block the
 * calling (test) thread, never an event loop; the engine runs asynchronous steps on its own
 * threads.
 */
public interface Surface extends AutoCloseable {

  /** Capability: sending bytes that are not one well-formed term to a term channel. */
  String RAW_TERM_PAYLOAD = "raw_term_payload";
  /** Capability: cutting the network connection under an iterator. */
  String BREAK_CONNECTION = "break_connection";
  /** Capability: checks written against the Python API's own spelling. */
  String PYTHON_API = "python_api";
  /** Capability: the engine can watch an event-bus address (it hosts the server's Vert.x). */
  String EVENT_BUS_PROBE = "event_bus_probe";

  /** @return the column name, e.g. {@code java-grpc} */
  String name();

  /** @return {@code java} or {@code python}: which engine's values a received term is compared with */
  String language();

  /**
   * @param capability a capability a case needs
   * @return why this surface cannot run such cases (the stated skip reason), or null when it can
   */
  String cannot(String capability);

  /**
   * Creates a channel.
   *
   * @param kind {@code term} or {@code bytes}
   * @param separateCreator create it from a party of its own (a verticle, a connection) that
   *     {@link Chan#endCreator()} ends
   * @throws OutcomeException when the answer is not a channel (e.g. {@code invalid_argument})
   */
  Chan create(String kind, long maxSize, boolean separateCreator) throws OutcomeException;

  /**
   * Attaches to an existing channel.
   *
   * @param newConnection over a connection of its own (where the surface has connections)
   * @throws OutcomeException {@code not_found}, {@code wrong_kind}
   */
  Chan attach(String id, String kind, boolean newConnection) throws OutcomeException;

  /** Sends a payload to an event-bus address (S-EXT-REPLY). */
  Outcome sendToAddress(String address, Payload payload);

  @Override
  void close();

  /** A handle on one channel. */
  interface Chan {

    /** @return the channel id */
    String id();

    /** Non-blocking send: ok, busy, closed, invalid_argument. */
    Outcome send(Payload payload);

    /** Waiting send: ok, closed, timeout, too_large. */
    Outcome sendWait(Payload payload, long timeoutMs);

    /** message, empty, closed. */
    Outcome tryReceive();

    /** message, closed, timeout. */
    Outcome receive(long timeoutMs);

    /** A waiting receive that can be cancelled while it waits (asyncio task, push stream). */
    Pending receiveCancellable(long timeoutMs);

    /** ok. */
    Outcome close();

    /** info (size, max_size, closed, messages, waiting_receivers, waiting_senders). */
    Outcome info();

    /**
     * Iterates to the end: messages. {@code style} is {@code sync} or {@code async}; surfaces
     * with one iteration API ignore it.
     */
    Outcome iterate(String style, long withinMs);

    /** Opens an iterator with a credit window of {@code window} messages. */
    Iter iterOpen(int window, boolean newConnection);

    /** Ends the separate creator of this channel (see {@link Surface#create}). */
    void endCreator();
  }

  /** A receive in progress. */
  interface Pending {

    /** Waits for the answer: message, closed, timeout, cancelled. */
    Outcome await(long withinMs) throws java.util.concurrent.TimeoutException;

    /** Cancels the receive (it answers {@code cancelled} unless it already had a message). */
    void cancel();

    /** @return true once answered */
    boolean isDone();
  }

  /** An open iterator. */
  interface Iter {

    /** The next message, or {@code end}. */
    Outcome next(long timeoutMs);

    /** Stops iterating: what was pushed and not handed over goes back to the channel. */
    void close();

    /** Cuts the iterator's connection abruptly. */
    void breakConnection();
  }
}
