package io.github.vertxchannels;

/**
 * The outcome of a send, spelled the Erlang way (contract section 2). These are values, not
 * failures: a full or closed channel is a normal answer.
 */
public enum SendResult {

  /** {@code ok}: the message was enqueued (S-SEND-4). */
  OK("ok"),

  /** {@code busy}: no room for the message now; nothing was enqueued (S-SEND-2, S-SEND-5). */
  BUSY("busy"),

  /** {@code {error, closed}}: the channel is closed; nothing was enqueued (S-SEND-1). */
  CLOSED("closed");

  private final String wireName;

  SendResult(String wireName) {
    this.wireName = wireName;
  }

  /**
   * @return the Erlang atom of this result, also its event-bus spelling
   */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses the event-bus spelling.
   *
   * @param name {@code ok}, {@code busy} or {@code closed}
   * @return the result
   */
  public static SendResult fromWireName(String name) {
    switch (name) {
      case "ok":
        return OK;
      case "busy":
        return BUSY;
      case "closed":
        return CLOSED;
      default:
        throw new IllegalArgumentException("unknown send result '" + name + "'");
    }
  }
}
