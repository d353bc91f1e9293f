package io.github.vertxchannels.etf;

import static io.github.vertxchannels.etf.Tags.*;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;

/**
 * Builds {@link Term}s from bytes the {@link Validator} has accepted, so it checks nothing itself.
 * Iterative: open containers are frames on an explicit stack, never Java stack frames.
 */
final class Decoder {

  private static final int K_TUPLE = 0;
  private static final int K_LIST = 1;
  private static final int K_MAP = 2;

  /** An open container: the values decoded so far. */
  private static final class Frame {
    final int kind;
    Term[] items;
    /** How many items complete the container (items may be larger: a list grown by its tails). */
    int size;
    int filled;

    Frame(int kind, Term[] items) {
      this.kind = kind;
      this.items = items;
      this.size = items.length;
    }
  }

  private final byte[] a;
  private int pos;
  private Frame[] stack = new Frame[8];

  Decoder(byte[] a) {
    this.a = a;
  }

  /** The position after the last term read. */
  int position() {
    return pos;
  }

  /** Reads the validated term at {@code start}; {@link #position()} is then just after it. */
  Term read(int start) {
    pos = start;
    int depth = 0;
    for (;;) {
      final int at = pos;
      final int tag = a[pos++] & 0xFF;
      Term value;
      switch (tag) {
        case SMALL_INTEGER_EXT:
          value = ErlInteger.of(a[pos++] & 0xFF);
          break;
        case INTEGER_EXT:
          value = ErlInteger.of(s32(a, pos));
          pos += 4;
          break;
        case SMALL_BIG_EXT:
        case LARGE_BIG_EXT: {
          int n = tag == SMALL_BIG_EXT ? a[pos] & 0xFF : (int) u32(a, pos);
          pos += tag == SMALL_BIG_EXT ? 1 : 4;
          boolean negative = a[pos++] != 0;
          value = big(pos, n, negative);
          pos += n;
          break;
        }
        case NEW_FLOAT_EXT:
          value = ErlFloat.of(Double.longBitsToDouble(s64(a, pos)));
          pos += 8;
          break;
        case FLOAT_EXT:
          value = ErlFloat.of(parseFloatText(a, pos));
          pos += 31;
          break;
        case ATOM_EXT:
        case SMALL_ATOM_EXT:
        case ATOM_UTF8_EXT:
        case SMALL_ATOM_UTF8_EXT: {
          boolean wide = tag == ATOM_EXT || tag == ATOM_UTF8_EXT;
          int len = wide ? u16(a, pos) : a[pos] & 0xFF;
          pos += wide ? 2 : 1;
          boolean latin1 = tag == ATOM_EXT || tag == SMALL_ATOM_EXT;
          value = Atom.trusted(new String(a, pos, len, latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8));
          pos += len;
          break;
        }
        case SMALL_TUPLE_EXT:
        case LARGE_TUPLE_EXT: {
          int n = tag == SMALL_TUPLE_EXT ? a[pos] & 0xFF : (int) u32(a, pos);
          pos += tag == SMALL_TUPLE_EXT ? 1 : 4;
          if (n == 0) {
            value = ErlTuple.EMPTY;
            break;
          }
          depth = push(depth, new Frame(K_TUPLE, new Term[n]));
          continue;
        }
        case NIL_EXT:
          value = ErlList.NIL;
          break;
        case STRING_EXT: {
          int n = u16(a, pos);
          pos += 2;
          if (n == 0) {
            value = ErlList.NIL;
            break;
          }
          Term[] chars = new Term[n];
          for (int i = 0; i < n; i++) {
            chars[i] = ErlInteger.of(a[pos + i] & 0xFF);
          }
          pos += n;
          value = ErlList.wrap(chars, null);
          break;
        }
        case LIST_EXT: {
          int n = (int) u32(a, pos);
          pos += 4;
          if (n == 0) {
            continue; // [ | Tail] is the tail itself, as in binary_to_term
          }
          Frame top = depth > 0 ? stack[depth - 1] : null;
          if (top != null && top.kind == K_LIST && top.filled == top.size - 1) {
            // This list is the tail of the enclosing one: continue that list (lists are stored
            // flattened) rather than nest and copy, which would cost quadratic time on a chain
            // of one-element lists.
            int size = top.size - 1 + n + 1;
            if (size > top.items.length) {
              top.items = Arrays.copyOf(top.items, Math.max(size, top.items.length * 2));
            }
            top.size = size;
            continue;
          }
          depth = push(depth, new Frame(K_LIST, new Term[n + 1]));
          continue;
        }
        case MAP_EXT: {
          int n = (int) u32(a, pos);
          pos += 4;
          if (n == 0) {
            value = ErlMap.EMPTY;
            break;
          }
          depth = push(depth, new Frame(K_MAP, new Term[2 * n]));
          continue;
        }
        case BINARY_EXT: {
          int n = (int) u32(a, pos);
          pos += 4;
          value = ErlBinary.wrap(Arrays.copyOfRange(a, pos, pos + n));
          pos += n;
          break;
        }
        case BIT_BINARY_EXT: {
          int n = (int) u32(a, pos);
          int bits = a[pos + 4] & 0xFF;
          pos += 5;
          byte[] bytes = Arrays.copyOfRange(a, pos, pos + n);
          pos += n;
          value = bits == 8 || n == 0 ? ErlBinary.wrap(bytes) : ErlBitString.wrap(bytes, bits);
          break;
        }
        default: { // pids, references, ports, funs (the validator let nothing else through)
          int after = opaqueEnd(a, at);
          value = ErlOpaque.wrap(Arrays.copyOfRange(a, at, after));
          pos = after;
        }
      }
      // A value is complete: hand it to the enclosing containers, closing those it completes.
      for (;;) {
        if (depth == 0) {
          return value;
        }
        Frame f = stack[depth - 1];
        f.items[f.filled++] = value;
        if (f.filled < f.size) {
          break;
        }
        stack[--depth] = null;
        value = close(f);
      }
    }
  }

  private int push(int depth, Frame frame) {
    if (depth == stack.length) {
      stack = Arrays.copyOf(stack, depth * 2);
    }
    stack[depth] = frame;
    return depth + 1;
  }

  private static Term close(Frame f) {
    Term[] items = f.items;
    switch (f.kind) {
      case K_TUPLE:
        return ErlTuple.wrap(items);
      case K_LIST: {
        int n = f.size - 1;
        return ErlList.wrap(Arrays.copyOf(items, n), items[n]);
      }
      default: {
        LinkedHashMap<Term, Term> map = new LinkedHashMap<>(Math.max(2, items.length * 2 / 3 + 1));
        for (int i = 0; i < items.length; i += 2) {
          if (map.putIfAbsent(items[i], items[i + 1]) != null) {
            // The validator refuses duplicate keys, so this is only a safety net.
            throw new EtfException("MAP_EXT has the key " + items[i] + " twice", -1);
          }
        }
        return ErlMap.wrap(map);
      }
    }
  }

  private Term big(int p, int n, boolean negative) {
    while (n > 0 && a[p + n - 1] == 0) {
      n--; // leading zero digits (the digits are little-endian)
    }
    if (n < 8 || (n == 8 && a[p + 7] >= 0)) {
      long v = 0;
      for (int i = n - 1; i >= 0; i--) {
        v = (v << 8) | (a[p + i] & 0xFF);
      }
      return ErlInteger.of(negative ? -v : v);
    }
    byte[] magnitude = new byte[n];
    for (int i = 0; i < n; i++) {
      magnitude[n - 1 - i] = a[p + i];
    }
    return ErlInteger.of(new BigInteger(negative ? -1 : 1, magnitude));
  }
}
