package io.github.vertxchannels.conformance.engine;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What one operation answered, in the catalogue's vocabulary: a status ({@code ok}, {@code busy},
 * {@code closed}, {@code empty}, {@code timeout}, {@code too_large}, {@code invalid_argument},
 * {@code not_found}, {@code wrong_kind}, {@code cancelled}, {@code message}, {@code messages},
 * {@code info}, {@code end}, or {@code error} for anything the vocabulary has no word for), plus
 * the message bytes, the messages of an iteration, or the fields of an info.
 *
 * @param status the status word
 * @param payload the message bytes (status {@code message})
 * @param pyCanon for a term received by Python: the canonical form of the Python value
 * @param items the messages of an iteration (status {@code messages})
 * @param info the fields of an info (status {@code info})
 * @param detail a human explanation (errors, unsupported operations)
 */
public record Outcome(String status, byte[] payload, String pyCanon, List<Outcome> items,
                      Map<String, Object> info, String detail) {

  /** @return an outcome with only a status */
  public static Outcome of(String status) {
    return new Outcome(status, null, null, null, null, null);
  }

  /** @return an outcome with a status and an explanation */
  public static Outcome of(String status, String detail) {
    return new Outcome(status, null, null, null, null, detail);
  }

  /** @return a received message */
  public static Outcome message(byte[] payload) {
    return new Outcome("message", payload, null, null, null, null);
  }

  /** @return the messages an iteration yielded */
  public static Outcome messages(List<Outcome> items) {
    return new Outcome("messages", null, null, items, null, null);
  }

  /** @return an info */
  public static Outcome info(Map<String, Object> info) {
    return new Outcome("info", null, null, null, info, null);
  }

  /** @return an unexpected failure, with its description */
  public static Outcome error(Throwable t) {
    return of("error", t.getClass().getName() + ": " + t.getMessage());
  }

  /** @return an operation the surface has no API for (a failure, unlike a declared skip) */
  public static Outcome unsupported(String why) {
    return of("unsupported", why);
  }

  /** @return true for a received message */
  public boolean isMessage() {
    return "message".equals(status);
  }

  @Override
  public String toString() {
    if (isMessage()) {
      String hex = HexFormat.of().formatHex(payload, 0, Math.min(payload.length, 24));
      return "message(" + payload.length + " bytes: " + hex + (payload.length > 24 ? "..." : "")
          + (pyCanon != null ? ", python " + abbreviate(pyCanon) : "") + ")";
    }
    if (items != null) {
      return "messages" + items;
    }
    if (info != null) {
      return "info" + info;
    }
    return status + (detail != null ? " (" + detail + ")" : "");
  }

  static String abbreviate(String s) {
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }
}
