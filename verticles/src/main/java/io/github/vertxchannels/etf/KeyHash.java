package io.github.vertxchannels.etf;

import static io.github.vertxchannels.etf.Tags.*;

/**
 * A 64-bit hash of a validated term that does not depend on how the term is encoded: equal terms
 * (in the sense of {@link Term#equals}) hash equal whether an integer is a SMALL_INTEGER_EXT or a
 * SMALL_BIG_EXT, an atom Latin-1 or UTF-8, a list a STRING_EXT or a LIST_EXT (or a LIST_EXT whose
 * tail is another list), a binary a BINARY_EXT or a whole-byte BIT_BINARY_EXT. The validator uses
 * it to find duplicate map keys in one pass without building values.
 *
 * <p>It walks the term's pre-order token stream with a single counter, no stack: a list
 * contributes its elements and final tail flattened, so every encoding of the same list yields the
 * same tokens. Maps nested inside a key contribute only their size (their entry order is free), so
 * such keys may collide; collisions are resolved by an exact comparison.
 */
final class KeyHash {

  private static final long T_INT = 1;
  private static final long T_BIG = 2;
  private static final long T_FLOAT = 3;
  private static final long T_ATOM = 4;
  private static final long T_TUPLE = 5;
  private static final long T_NIL = 6;
  private static final long T_BITS = 7;
  private static final long T_MAP = 8;
  private static final long T_OPAQUE = 9;
  private static final long T_END = 10;

  private KeyHash() {}

  private static long mix(long h, long v) {
    h = (h ^ v) * 0x9E37_79B9_7F4A_7C15L;
    return h ^ (h >>> 31);
  }

  /** The hash of the validated term {@code a[pos, end)}. */
  static long of(byte[] a, int pos, int end) {
    long h = 0x243F_6A88_85A3_08D3L;
    long skip = 0; // terms still to skip inside a map nested in the key
    while (pos < end) {
      int at = pos;
      int tag = a[pos++] & 0xFF;
      boolean emit = skip == 0;
      if (!emit) {
        skip--;
      }
      switch (tag) {
        case SMALL_INTEGER_EXT:
          if (emit) {
            h = mix(mix(h, T_INT), a[pos] & 0xFF);
          }
          pos += 1;
          break;
        case INTEGER_EXT:
          if (emit) {
            h = mix(mix(h, T_INT), s32(a, pos));
          }
          pos += 4;
          break;
        case SMALL_BIG_EXT:
        case LARGE_BIG_EXT: {
          int n = tag == SMALL_BIG_EXT ? a[pos] & 0xFF : (int) u32(a, pos);
          pos += tag == SMALL_BIG_EXT ? 1 : 4;
          boolean negative = a[pos++] != 0;
          if (emit) {
            h = big(h, a, pos, n, negative);
          }
          pos += n;
          break;
        }
        case NEW_FLOAT_EXT:
          if (emit) {
            h = mix(mix(h, T_FLOAT), s64(a, pos));
          }
          pos += 8;
          break;
        case FLOAT_EXT:
          if (emit) {
            h = mix(mix(h, T_FLOAT), Double.doubleToLongBits(parseFloatText(a, pos)));
          }
          pos += 31;
          break;
        case ATOM_EXT:
        case SMALL_ATOM_EXT:
        case ATOM_UTF8_EXT:
        case SMALL_ATOM_UTF8_EXT: {
          boolean wide = tag == ATOM_EXT || tag == ATOM_UTF8_EXT;
          int len = wide ? u16(a, pos) : a[pos] & 0xFF;
          pos += wide ? 2 : 1;
          if (emit) {
            h = atom(h, a, pos, len, tag == ATOM_UTF8_EXT || tag == SMALL_ATOM_UTF8_EXT);
          }
          pos += len;
          break;
        }
        case SMALL_TUPLE_EXT:
        case LARGE_TUPLE_EXT: {
          long n = tag == SMALL_TUPLE_EXT ? a[pos] & 0xFF : u32(a, pos);
          pos += tag == SMALL_TUPLE_EXT ? 1 : 4;
          if (emit) {
            h = mix(mix(h, T_TUPLE), n);
          } else {
            skip += n;
          }
          break;
        }
        case NIL_EXT:
          if (emit) {
            h = mix(h, T_NIL);
          }
          break;
        case STRING_EXT: {
          int n = u16(a, pos);
          pos += 2;
          if (emit) {
            for (int i = 0; i < n; i++) {
              h = mix(mix(h, T_INT), a[pos + i] & 0xFF);
            }
            h = mix(h, T_NIL);
          }
          pos += n;
          break;
        }
        case LIST_EXT: {
          long n = u32(a, pos);
          pos += 4;
          if (!emit) {
            skip += n + 1;
          }
          break;
        }
        case MAP_EXT: {
          long n = u32(a, pos);
          pos += 4;
          if (emit) {
            h = mix(mix(h, T_MAP), n);
          }
          skip += 2 * n;
          break;
        }
        case BINARY_EXT: {
          int n = (int) u32(a, pos);
          pos += 4;
          if (emit) {
            h = bits(mix(mix(h, T_BITS), n * 8L), a, pos, n, 8);
          }
          pos += n;
          break;
        }
        case BIT_BINARY_EXT: {
          int n = (int) u32(a, pos);
          int last = a[pos + 4] & 0xFF;
          pos += 5;
          if (emit) {
            long bitSize = n == 0 ? 0 : (n - 1) * 8L + last;
            h = bits(mix(mix(h, T_BITS), bitSize), a, pos, n, last);
          }
          pos += n;
          break;
        }
        default: { // pids, references, ports, funs: compared by their bytes
          int after = opaqueEnd(a, at);
          if (emit) {
            h = bits(mix(mix(h, T_OPAQUE), after - at), a, at, after - at, 8);
          }
          pos = after;
        }
      }
    }
    return h;
  }

  private static long big(long h, byte[] a, int p, int n, boolean negative) {
    while (n > 0 && a[p + n - 1] == 0) {
      n--; // leading zero digits (the digits are little-endian)
    }
    if (n <= 7) {
      long v = 0;
      for (int i = n - 1; i >= 0; i--) {
        v = (v << 8) | (a[p + i] & 0xFF);
      }
      return mix(mix(h, T_INT), negative ? -v : v);
    }
    h = mix(mix(mix(h, T_BIG), negative ? 1 : 0), n);
    return bits(h, a, p, n, 8);
  }

  private static long atom(long h, byte[] a, int p, int len, boolean utf8) {
    h = mix(h, T_ATOM);
    int end = p + len;
    while (p < end) {
      int b = a[p] & 0xFF;
      int cp;
      if (!utf8 || b < 0x80) {
        cp = b;
        p++;
      } else if (b < 0xE0) {
        cp = ((b & 0x1F) << 6) | (a[p + 1] & 0x3F);
        p += 2;
      } else if (b < 0xF0) {
        cp = ((b & 0x0F) << 12) | ((a[p + 1] & 0x3F) << 6) | (a[p + 2] & 0x3F);
        p += 3;
      } else {
        cp = ((b & 0x07) << 18) | ((a[p + 1] & 0x3F) << 12) | ((a[p + 2] & 0x3F) << 6) | (a[p + 3] & 0x3F);
        p += 4;
      }
      h = mix(h, cp);
    }
    return mix(h, T_END);
  }

  /** Mixes n bytes, of which the last keeps only its {@code lastBits} high bits. */
  private static long bits(long h, byte[] a, int p, int n, int lastBits) {
    long word = 0;
    for (int i = 0; i < n; i++) {
      int b = a[p + i] & 0xFF;
      if (i == n - 1 && lastBits < 8) {
        b &= 0xFF << (8 - lastBits);
      }
      word = (word << 8) | b;
      if ((i & 7) == 7) {
        h = mix(h, word);
        word = 0;
      }
    }
    return mix(h, word);
  }
}
