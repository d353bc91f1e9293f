package io.github.vertxchannels.etf;

/** The ETF tag bytes and the big-endian readers shared by the validator, decoder and encoder. */
final class Tags {

  static final int VERSION = 131;

  static final int NEW_FLOAT_EXT = 70;
  static final int BIT_BINARY_EXT = 77;
  static final int COMPRESSED = 80;
  static final int DIST_HEADER = 68;
  static final int ATOM_CACHE_REF = 82;
  static final int NEW_PID_EXT = 88;
  static final int NEW_PORT_EXT = 89;
  static final int NEWER_REFERENCE_EXT = 90;
  static final int SMALL_INTEGER_EXT = 97;
  static final int INTEGER_EXT = 98;
  static final int FLOAT_EXT = 99;
  static final int ATOM_EXT = 100;
  static final int REFERENCE_EXT = 101;
  static final int PORT_EXT = 102;
  static final int PID_EXT = 103;
  static final int SMALL_TUPLE_EXT = 104;
  static final int LARGE_TUPLE_EXT = 105;
  static final int NIL_EXT = 106;
  static final int STRING_EXT = 107;
  static final int LIST_EXT = 108;
  static final int BINARY_EXT = 109;
  static final int SMALL_BIG_EXT = 110;
  static final int LARGE_BIG_EXT = 111;
  static final int NEW_FUN_EXT = 112;
  static final int EXPORT_EXT = 113;
  static final int NEW_REFERENCE_EXT = 114;
  static final int SMALL_ATOM_EXT = 115;
  static final int MAP_EXT = 116;
  static final int FUN_EXT = 117;
  static final int ATOM_UTF8_EXT = 118;
  static final int SMALL_ATOM_UTF8_EXT = 119;
  static final int V4_PORT_EXT = 120;
  static final int LOCAL_EXT = 121;
  /** The BEAM's own internal tags (an atom by its index in the node's atom table, a binary by address). */
  static final int ATOM_INTERNAL_REF2 = 73;
  static final int BINARY_INTERNAL_REF = 74;
  static final int ATOM_INTERNAL_REF3 = 75;
  static final int BIT_BINARY_INTERNAL_REF = 76;

  /** Erlang's limit on atom length, in characters. */
  static final int MAX_ATOM_CHARS = 255;
  /** Erlang's limit on the byte length of a UTF-8 atom (4 bytes per character). */
  static final int MAX_ATOM_UTF8_BYTES = 4 * MAX_ATOM_CHARS;
  /**
   * The largest LARGE_BIG_EXT digit count the 64-bit BEAM accepts ({@code BIG_ARITY_MAX} words of
   * 8 bytes, measured on OTP 25: one more is {@code badarg}).
   */
  static final int MAX_BIG_BYTES = ((1 << 19) - 1) * 8;
  /** Erlang's limit on the number of words in a reference (NEW_REFERENCE_EXT/NEWER_REFERENCE_EXT). */
  static final int MAX_REF_WORDS = 5;
  /** Erlang's limit on a fun's free variables (MAX_ARG). */
  static final int MAX_FUN_FREE_VARS = 255;
  /** The longest proper list of bytes that term_to_binary writes as STRING_EXT. */
  static final int MAX_STRING_EXT = 0xFFFF;

  private Tags() {}

  static int u8(byte[] a, int i) {
    return a[i] & 0xFF;
  }

  static int u16(byte[] a, int i) {
    return ((a[i] & 0xFF) << 8) | (a[i + 1] & 0xFF);
  }

  static int s32(byte[] a, int i) {
    return (a[i] << 24) | ((a[i + 1] & 0xFF) << 16) | ((a[i + 2] & 0xFF) << 8) | (a[i + 3] & 0xFF);
  }

  static long u32(byte[] a, int i) {
    return s32(a, i) & 0xFFFF_FFFFL;
  }

  static long s64(byte[] a, int i) {
    return ((long) s32(a, i) << 32) | u32(a, i + 4);
  }

  static boolean isAtomTag(int tag) {
    return tag == ATOM_EXT || tag == SMALL_ATOM_EXT || tag == ATOM_UTF8_EXT || tag == SMALL_ATOM_UTF8_EXT;
  }

  /** The tag's name for error messages, e.g. {@code "BINARY_EXT"}. */
  static String name(int tag) {
    switch (tag) {
      case NEW_FLOAT_EXT: return "NEW_FLOAT_EXT";
      case BIT_BINARY_EXT: return "BIT_BINARY_EXT";
      case COMPRESSED: return "compressed term (tag 80)";
      case DIST_HEADER: return "distribution header (tag 68)";
      case ATOM_CACHE_REF: return "ATOM_CACHE_REF";
      case NEW_PID_EXT: return "NEW_PID_EXT";
      case NEW_PORT_EXT: return "NEW_PORT_EXT";
      case NEWER_REFERENCE_EXT: return "NEWER_REFERENCE_EXT";
      case SMALL_INTEGER_EXT: return "SMALL_INTEGER_EXT";
      case INTEGER_EXT: return "INTEGER_EXT";
      case FLOAT_EXT: return "FLOAT_EXT";
      case ATOM_EXT: return "ATOM_EXT";
      case REFERENCE_EXT: return "REFERENCE_EXT";
      case PORT_EXT: return "PORT_EXT";
      case PID_EXT: return "PID_EXT";
      case SMALL_TUPLE_EXT: return "SMALL_TUPLE_EXT";
      case LARGE_TUPLE_EXT: return "LARGE_TUPLE_EXT";
      case NIL_EXT: return "NIL_EXT";
      case STRING_EXT: return "STRING_EXT";
      case LIST_EXT: return "LIST_EXT";
      case BINARY_EXT: return "BINARY_EXT";
      case SMALL_BIG_EXT: return "SMALL_BIG_EXT";
      case LARGE_BIG_EXT: return "LARGE_BIG_EXT";
      case NEW_FUN_EXT: return "NEW_FUN_EXT";
      case EXPORT_EXT: return "EXPORT_EXT";
      case NEW_REFERENCE_EXT: return "NEW_REFERENCE_EXT";
      case SMALL_ATOM_EXT: return "SMALL_ATOM_EXT";
      case MAP_EXT: return "MAP_EXT";
      case FUN_EXT: return "FUN_EXT";
      case ATOM_UTF8_EXT: return "ATOM_UTF8_EXT";
      case SMALL_ATOM_UTF8_EXT: return "SMALL_ATOM_UTF8_EXT";
      case V4_PORT_EXT: return "V4_PORT_EXT";
      case LOCAL_EXT: return "LOCAL_EXT";
      case ATOM_INTERNAL_REF2: return "ATOM_INTERNAL_REF2";
      case BINARY_INTERNAL_REF: return "BINARY_INTERNAL_REF";
      case ATOM_INTERNAL_REF3: return "ATOM_INTERNAL_REF3";
      case BIT_BINARY_INTERNAL_REF: return "BIT_BINARY_INTERNAL_REF";
      default: return "tag " + tag;
    }
  }

  /** The end of the (validated) atom whose tag is at p. */
  static int atomEnd(byte[] a, int p) {
    int tag = a[p] & 0xFF;
    return tag == ATOM_EXT || tag == ATOM_UTF8_EXT ? p + 3 + u16(a, p + 1) : p + 2 + u8(a, p + 1);
  }

  /** The end of the (validated) pid, reference, port or fun whose tag is at p. */
  static int opaqueEnd(byte[] a, int p) {
    switch (a[p] & 0xFF) {
      case PID_EXT: return atomEnd(a, p + 1) + 9;
      case NEW_PID_EXT: return atomEnd(a, p + 1) + 12;
      case PORT_EXT: return atomEnd(a, p + 1) + 5;
      case NEW_PORT_EXT: return atomEnd(a, p + 1) + 8;
      case V4_PORT_EXT: return atomEnd(a, p + 1) + 12;
      case REFERENCE_EXT: return atomEnd(a, p + 1) + 5;
      case NEW_REFERENCE_EXT: return atomEnd(a, p + 3) + 1 + 4 * u16(a, p + 1);
      case NEWER_REFERENCE_EXT: return atomEnd(a, p + 3) + 4 + 4 * u16(a, p + 1);
      case EXPORT_EXT: {
        int arity = atomEnd(a, atomEnd(a, p + 1));
        return arity + ((a[arity] & 0xFF) == SMALL_INTEGER_EXT ? 2 : 5);
      }
      case NEW_FUN_EXT: return p + 1 + (int) u32(a, p + 1);
      default: throw new IllegalStateException("not an opaque tag: " + (a[p] & 0xFF));
    }
  }

  /**
   * Parses the 31-byte text of a FLOAT_EXT at p the way the BEAM does: the text ends at a NUL and
   * must read {@code [+-]digits(.|,)digits[(e|E)[+-]digits]}. The NUL must be within the 31 bytes:
   * the BEAM's parser would read on into the bytes that follow, so without it the outcome depends
   * on them.
   *
   * @return the value, or NaN when the text is malformed, unterminated or overflows
   */
  static double parseFloatText(byte[] a, int p) {
    int len = 0;
    while (len < 31 && a[p + len] != 0) {
      len++;
    }
    if (len == 31) {
      return Double.NaN;
    }
    int i = p;
    int end = p + len;
    if (i < end && (a[i] == '+' || a[i] == '-')) {
      i++;
    }
    int digits = i;
    while (i < end && a[i] >= '0' && a[i] <= '9') {
      i++;
    }
    if (i == digits || i == end || (a[i] != '.' && a[i] != ',')) {
      return Double.NaN;
    }
    int point = i++;
    digits = i;
    while (i < end && a[i] >= '0' && a[i] <= '9') {
      i++;
    }
    if (i == digits) {
      return Double.NaN;
    }
    if (i < end && (a[i] == 'e' || a[i] == 'E')) {
      i++;
      if (i < end && (a[i] == '+' || a[i] == '-')) {
        i++;
      }
      digits = i;
      while (i < end && a[i] >= '0' && a[i] <= '9') {
        i++;
      }
      if (i == digits) {
        return Double.NaN;
      }
    }
    if (i != end) {
      return Double.NaN;
    }
    char[] text = new char[len];
    for (int k = 0; k < len; k++) {
      text[k] = p + k == point ? '.' : (char) a[p + k];
    }
    double d = Double.parseDouble(new String(text));
    return Double.isInfinite(d) ? Double.NaN : d;
  }
}
