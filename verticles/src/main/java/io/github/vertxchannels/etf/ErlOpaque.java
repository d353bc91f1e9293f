package io.github.vertxchannels.etf;

import static io.github.vertxchannels.etf.Tags.*;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A pid, reference, port or fun: a value only the Erlang runtime can interpret, kept as its exact
 * encoded bytes (from its tag on, without the version byte) so that it round-trips byte for byte.
 * Two opaque values are equal when their bytes are (so the same pid written with a different
 * encoding of its node name would differ, unlike in Erlang).
 */
public final class ErlOpaque implements Term {

  /** What an opaque value is. */
  public enum Kind {
    /** A process identifier: {@code PID_EXT}, {@code NEW_PID_EXT}. */
    PID,
    /** A reference: {@code REFERENCE_EXT}, {@code NEW_REFERENCE_EXT}, {@code NEWER_REFERENCE_EXT}. */
    REF,
    /** A port: {@code PORT_EXT}, {@code NEW_PORT_EXT}, {@code V4_PORT_EXT}. */
    PORT,
    /** A fun: {@code NEW_FUN_EXT} (a closure) or {@code EXPORT_EXT} ({@code fun M:F/A}). */
    FUN
  }

  private final byte[] bytes;
  private final Kind kind;

  private ErlOpaque(byte[] bytes, Kind kind) {
    this.bytes = bytes;
    this.kind = kind;
  }

  /**
   * @param encoded one pid, reference, port or fun in the External Term Format, starting at its tag
   *     (without the version byte 131); copied
   * @return the value
   * @throws EtfException when the bytes are not exactly one well-formed pid, reference, port or fun
   */
  public static ErlOpaque of(byte[] encoded) {
    if (encoded.length == 0 || kindOf(encoded[0] & 0xFF) == null) {
      throw new EtfException("not a pid, reference, port or fun: "
          + (encoded.length == 0 ? "no bytes" : "starts with " + Tags.name(encoded[0] & 0xFF)), 0);
    }
    byte[] withVersion = new byte[encoded.length + 1];
    withVersion[0] = (byte) VERSION;
    System.arraycopy(encoded, 0, withVersion, 1, encoded.length);
    Validator.validate(withVersion, 0, withVersion.length, EtfLimits.DEFAULT);
    return new ErlOpaque(encoded.clone(), kindOf(encoded[0] & 0xFF));
  }

  /** For the decoder: validated bytes the caller gives up. */
  static ErlOpaque wrap(byte[] owned) {
    return new ErlOpaque(owned, kindOf(owned[0] & 0xFF));
  }

  /** The kind for an opaque tag, or null. */
  static Kind kindOf(int tag) {
    switch (tag) {
      case PID_EXT: case NEW_PID_EXT: return Kind.PID;
      case REFERENCE_EXT: case NEW_REFERENCE_EXT: case NEWER_REFERENCE_EXT: return Kind.REF;
      case PORT_EXT: case NEW_PORT_EXT: case V4_PORT_EXT: return Kind.PORT;
      case NEW_FUN_EXT: case EXPORT_EXT: return Kind.FUN;
      default: return null;
    }
  }

  /** @return what this is */
  public Kind kind() {
    return kind;
  }

  /** @return the tag byte, e.g. 88 for {@code NEW_PID_EXT} */
  public int tag() {
    return bytes[0] & 0xFF;
  }

  /** @return a copy of the encoded bytes, from the tag on (without the version byte) */
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * @return the name of the node the pid, reference or port belongs to (e.g.
   *     {@code nonode@nohost}), or the module of a fun
   */
  public String node() {
    int tag = tag();
    int p = 1;
    if (tag == NEW_FUN_EXT) {
      p = 1 + 4 + 1 + 16 + 4 + 4;
    } else if (tag == NEW_REFERENCE_EXT || tag == NEWER_REFERENCE_EXT) {
      p = 3;
    }
    return atomName(bytes, p);
  }

  /** The bytes, shared: callers must not modify them. */
  byte[] array() {
    return bytes;
  }

  /** Opaque values are equal when their encoded bytes are. */
  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof ErlOpaque x && Arrays.equals(x.bytes, bytes);
  }

  /** Consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /**
   * A readable form in the style of the Erlang shell, e.g. {@code #Pid<nonode@nohost.85.0>},
   * {@code #Ref<nonode@nohost.3.2.1>}, {@code #Port<nonode@nohost.5>},
   * {@code #Fun<erl_eval.45.1234>}, or {@code fun erlang:abs/1} for an export.
   */
  @Override
  public String toString() {
    int tag = tag();
    StringBuilder sb = new StringBuilder(48);
    int p;
    switch (tag) {
      case PID_EXT:
      case NEW_PID_EXT:
        p = atomEnd(bytes, 1);
        sb.append("#Pid<").append(atomName(bytes, 1)).append('.').append(u32(bytes, p)).append('.')
            .append(u32(bytes, p + 4)).append('>');
        break;
      case PORT_EXT:
      case NEW_PORT_EXT:
      case V4_PORT_EXT:
        p = atomEnd(bytes, 1);
        sb.append("#Port<").append(atomName(bytes, 1)).append('.')
            .append(tag == V4_PORT_EXT ? Long.toUnsignedString(s64(bytes, p)) : Long.toString(u32(bytes, p)))
            .append('>');
        break;
      case REFERENCE_EXT:
        sb.append("#Ref<").append(atomName(bytes, 1)).append('.').append(u32(bytes, atomEnd(bytes, 1))).append('>');
        break;
      case NEW_REFERENCE_EXT:
      case NEWER_REFERENCE_EXT: {
        int words = u16(bytes, 1);
        p = atomEnd(bytes, 3) + (tag == NEW_REFERENCE_EXT ? 1 : 4);
        sb.append("#Ref<").append(atomName(bytes, 3));
        for (int i = words - 1; i >= 0; i--) {
          sb.append('.').append(u32(bytes, p + 4 * i));
        }
        sb.append('>');
        break;
      }
      case EXPORT_EXT: {
        int fn = atomEnd(bytes, 1);
        int ar = atomEnd(bytes, fn);
        long arity = (bytes[ar] & 0xFF) == SMALL_INTEGER_EXT ? u8(bytes, ar + 1) : s32(bytes, ar + 1);
        sb.append("fun ");
        Atom.trusted(atomName(bytes, 1)).appendTo(sb);
        sb.append(':');
        Atom.trusted(atomName(bytes, fn)).appendTo(sb);
        sb.append('/').append(arity);
        break;
      }
      default: { // NEW_FUN_EXT
        int mod = 1 + 4 + 1 + 16 + 4 + 4;
        int idx = atomEnd(bytes, mod);
        int uniq = idx + ((bytes[idx] & 0xFF) == SMALL_INTEGER_EXT ? 2 : 5);
        sb.append("#Fun<").append(atomName(bytes, mod)).append('.').append(smallInt(bytes, idx)).append('.')
            .append(smallInt(bytes, uniq)).append('>');
      }
    }
    return sb.toString();
  }

  private static long smallInt(byte[] a, int p) {
    return (a[p] & 0xFF) == SMALL_INTEGER_EXT ? u8(a, p + 1) : s32(a, p + 1);
  }

  /** The name of the (validated) atom whose tag is at p. */
  static String atomName(byte[] a, int p) {
    int tag = a[p] & 0xFF;
    boolean wide = tag == ATOM_EXT || tag == ATOM_UTF8_EXT;
    int len = wide ? u16(a, p + 1) : u8(a, p + 1);
    int from = p + (wide ? 3 : 2);
    boolean latin1 = tag == ATOM_EXT || tag == SMALL_ATOM_EXT;
    return new String(a, from, len, latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
  }
}
