package io.github.vertxchannels.conformance.engine;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The catalogue's message specs (README, "Messages"), resolved for one channel kind. On a term
 * channel every message is a term erl produced: a string is the UTF-8 binary with that text,
 * {@code {"len": N}} a binary whose ETF is exactly N bytes, {@code {"erl": E}} / {@code {"value": E}}
 * the term E. On a byte channel a string is its UTF-8 bytes and {@code {"len": N}} N raw bytes.
 * {@code {"etf_of": E, ...}} is erl's encoding of E, mutated (raw bytes on either kind).
 */
public final class Messages {

  private final ErlVectors vectors;

  /** @param vectors erl's encodings of every expression {@link #expressions} collected */
  public Messages(ErlVectors vectors) {
    this.vectors = vectors;
  }

  /** @return the spec of one message as an Erlang expression, for a term channel (null when raw) */
  static String termExpression(Object spec) {
    if (spec instanceof String s) {
      return "<<\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"/utf8>>";
    }
    JsonObject o = (JsonObject) spec;
    if (o.containsKey("erl")) {
      return o.getString("erl");
    }
    if (o.containsKey("value")) {
      return o.getString("value");
    }
    if (o.containsKey("len")) {
      int n = o.getInteger("len") - 6;
      if (n < 0) {
        throw new IllegalArgumentException("a term message of " + o.getInteger("len") + " bytes is impossible (a binary takes at least 6)");
      }
      if (o.getBoolean("ramp", false)) {
        return n == 0 ? "<<>>" : "list_to_binary([I rem 251 || I <- lists:seq(0, " + (n - 1) + ")])";
      }
      return "binary:copy(<<\"" + o.getString("fill", "x") + "\">>, " + n + ")";
    }
    return null;
  }

  /** Adds the Erlang expressions a spec needs for a channel of this kind. */
  static void collect(Object spec, String kind, Set<String> out) {
    if (spec instanceof JsonObject o) {
      if (o.containsKey("seq")) {
        expandSeq(o.getJsonObject("seq")).forEach(s -> collect(s, kind, out));
        return;
      }
      if (o.containsKey("etf_of")) {
        out.add(o.getString("etf_of"));
        if (o.containsKey("append_etf_body_of")) {
          out.add(o.getString("append_etf_body_of"));
        }
        return;
      }
      if (o.containsKey("value")) {
        out.add(o.getString("value"));
        return;
      }
    }
    if ("term".equals(kind)) {
      String e = termExpression(spec);
      if (e != null) {
        out.add(e);
      }
    }
  }

  /** @return the strings {@code prefix+from} to {@code prefix+to} */
  public static List<Object> expandSeq(JsonObject seq) {
    List<Object> out = new ArrayList<>();
    for (int i = seq.getInteger("from"); i <= seq.getInteger("to"); i++) {
      out.add(seq.getString("prefix") + i);
    }
    return out;
  }

  /** @return a list of specs with every {@code {"seq": ...}} expanded in place */
  public static List<Object> expandList(JsonArray specs) {
    List<Object> out = new ArrayList<>();
    for (Object s : specs) {
      if (s instanceof JsonObject o && o.containsKey("seq")) {
        out.addAll(expandSeq(o.getJsonObject("seq")));
      } else {
        out.add(s);
      }
    }
    return out;
  }

  /** @return true when the spec is raw bytes rather than one term */
  public static boolean isRaw(Object spec) {
    return spec instanceof JsonObject o && o.containsKey("etf_of");
  }

  /** @return true when the spec is compared at the value level (cross-language values) */
  public static boolean isValue(Object spec) {
    return spec instanceof JsonObject o && o.containsKey("value");
  }

  /** @return the payload of a spec for a channel of this kind */
  public Payload resolve(Object spec, String kind) {
    if (spec instanceof JsonObject o && o.containsKey("etf_of")) {
      return new Payload(mutate(o), null);
    }
    if ("term".equals(kind)) {
      String e = termExpression(spec);
      ErlVectors.Encoded enc = vectors.mv2(e);
      if (spec instanceof JsonObject o && o.containsKey("len") && enc.bytes().length != o.getInteger("len")) {
        throw new IllegalStateException("erl made " + enc.bytes().length + " bytes of " + e + ", expected " + o.getInteger("len"));
      }
      return new Payload(enc.bytes(), enc.canon());
    }
    if (spec instanceof String s) {
      return new Payload(s.getBytes(StandardCharsets.UTF_8), null);
    }
    JsonObject o = (JsonObject) spec;
    if (o.containsKey("len")) {
      byte[] b = new byte[o.getInteger("len")];
      if (o.getBoolean("ramp", false)) {
        for (int i = 0; i < b.length; i++) {
          b[i] = (byte) (i % 251);
        }
      } else {
        Arrays.fill(b, (byte) o.getString("fill", "x").charAt(0));
      }
      return new Payload(b, null);
    }
    throw new IllegalArgumentException("message spec " + o.encode() + " has no meaning on a byte channel");
  }

  private byte[] mutate(JsonObject o) {
    byte[] b = vectors.mv2(o.getString("etf_of")).bytes();
    if (o.containsKey("truncate")) {
      b = Arrays.copyOf(b, o.getInteger("truncate"));
    }
    if (o.getBoolean("drop_version", false)) {
      b = Arrays.copyOfRange(b, 1, b.length);
    }
    if (o.containsKey("append_hex")) {
      b = concat(b, HexFormat.of().parseHex(o.getString("append_hex")));
    }
    if (o.containsKey("append_etf_body_of")) {
      byte[] other = vectors.mv2(o.getString("append_etf_body_of")).bytes();
      b = concat(b, Arrays.copyOfRange(other, 1, other.length));
    }
    return b;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
