package io.github.vertxchannels.etf;

import static io.github.vertxchannels.etf.Tags.*;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;

/**
 * Encodes {@link Term}s the way {@code term_to_binary(T, [{minor_version, 2}])} does, iteratively
 * (an explicit work stack, so deep values cannot overflow the Java stack).
 */
final class Encoder {

  private byte[] buf;
  private int len;

  private Encoder(int capacity) {
    buf = new byte[capacity];
  }

  /** The term with its version byte. */
  static byte[] encode(Term root) {
    Encoder e = new Encoder(64);
    e.buf[e.len++] = (byte) VERSION;
    e.write(root);
    return e.buf.length == e.len ? e.buf : Arrays.copyOf(e.buf, e.len);
  }

  private void write(Term root) {
    ArrayDeque<Term> work = new ArrayDeque<>();
    work.push(root);
    while (!work.isEmpty()) {
      Term t = work.pop();
      if (t instanceof Atom atom) {
        byte[] name = atom.utf8();
        if (name.length <= 255) {
          ensure(2 + name.length);
          buf[len++] = (byte) SMALL_ATOM_UTF8_EXT;
          buf[len++] = (byte) name.length;
        } else {
          ensure(3 + name.length);
          buf[len++] = (byte) ATOM_UTF8_EXT;
          putU16(name.length);
        }
        putBytes(name, 0, name.length);
      } else if (t instanceof ErlInteger i) {
        writeInteger(i);
      } else if (t instanceof ErlFloat f) {
        ensure(9);
        buf[len++] = (byte) NEW_FLOAT_EXT;
        putS64(Double.doubleToRawLongBits(f.value()));
      } else if (t instanceof ErlBinary b) {
        byte[] bytes = b.array();
        ensure(5 + bytes.length);
        buf[len++] = (byte) BINARY_EXT;
        putS32(bytes.length);
        putBytes(bytes, 0, bytes.length);
      } else if (t instanceof ErlBitString b) {
        byte[] bytes = b.array();
        ensure(6 + bytes.length);
        buf[len++] = (byte) BIT_BINARY_EXT;
        putS32(bytes.length);
        buf[len++] = (byte) b.bitsInLastByte();
        putBytes(bytes, 0, bytes.length);
      } else if (t instanceof ErlTuple tuple) {
        Term[] elements = tuple.array();
        if (elements.length <= 255) {
          ensure(2);
          buf[len++] = (byte) SMALL_TUPLE_EXT;
          buf[len++] = (byte) elements.length;
        } else {
          ensure(5);
          buf[len++] = (byte) LARGE_TUPLE_EXT;
          putS32(elements.length);
        }
        for (int k = elements.length - 1; k >= 0; k--) {
          work.push(elements[k]);
        }
      } else if (t instanceof ErlList list) {
        Term[] elements = list.array();
        if (elements.length == 0) {
          ensure(1);
          buf[len++] = (byte) NIL_EXT;
        } else if (isByteString(list)) {
          ensure(3 + elements.length);
          buf[len++] = (byte) STRING_EXT;
          putU16(elements.length);
          for (Term e : elements) {
            buf[len++] = (byte) ((ErlInteger) e).longValue();
          }
        } else {
          ensure(5);
          buf[len++] = (byte) LIST_EXT;
          putS32(elements.length);
          work.push(list.tail());
          for (int k = elements.length - 1; k >= 0; k--) {
            work.push(elements[k]);
          }
        }
      } else if (t instanceof ErlMap map) {
        ensure(5);
        buf[len++] = (byte) MAP_EXT;
        putS32(map.size());
        Term[] pairs = new Term[map.size() * 2];
        int k = 0;
        for (Map.Entry<Term, Term> e : map.entries().entrySet()) {
          pairs[k++] = e.getKey();
          pairs[k++] = e.getValue();
        }
        for (k = pairs.length - 1; k >= 0; k--) {
          work.push(pairs[k]);
        }
      } else {
        byte[] bytes = ((ErlOpaque) t).array();
        ensure(bytes.length);
        putBytes(bytes, 0, bytes.length);
      }
    }
  }

  /** Erlang writes a proper list of 1..65535 integers in 0..255 as STRING_EXT. */
  private static boolean isByteString(ErlList list) {
    Term[] elements = list.array();
    if (!list.isProper() || elements.length > MAX_STRING_EXT) {
      return false;
    }
    for (Term e : elements) {
      if (!(e instanceof ErlInteger i) || !i.fitsInLong() || i.longValue() < 0 || i.longValue() > 255) {
        return false;
      }
    }
    return true;
  }

  private void writeInteger(ErlInteger i) {
    BigInteger big = i.bigOrNull();
    if (big == null) {
      long v = i.longValue();
      if (v >= 0 && v <= 255) {
        ensure(2);
        buf[len++] = (byte) SMALL_INTEGER_EXT;
        buf[len++] = (byte) v;
      } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
        ensure(5);
        buf[len++] = (byte) INTEGER_EXT;
        putS32((int) v);
      } else {
        long magnitude = v < 0 ? -v : v; // as unsigned: -Long.MIN_VALUE is 2^63
        int n = (64 - Long.numberOfLeadingZeros(magnitude) + 7) / 8;
        ensure(3 + n);
        buf[len++] = (byte) SMALL_BIG_EXT;
        buf[len++] = (byte) n;
        buf[len++] = (byte) (v < 0 ? 1 : 0);
        for (int k = 0; k < n; k++) {
          buf[len++] = (byte) (magnitude >>> (8 * k));
        }
      }
      return;
    }
    byte[] magnitude = big.abs().toByteArray(); // big-endian, maybe with a leading zero byte
    int skip = magnitude[0] == 0 ? 1 : 0;
    int n = magnitude.length - skip;
    if (n <= 255) {
      ensure(3 + n);
      buf[len++] = (byte) SMALL_BIG_EXT;
      buf[len++] = (byte) n;
    } else {
      ensure(6 + n);
      buf[len++] = (byte) LARGE_BIG_EXT;
      putS32(n);
    }
    buf[len++] = (byte) (big.signum() < 0 ? 1 : 0);
    for (int k = magnitude.length - 1; k >= skip; k--) {
      buf[len++] = magnitude[k];
    }
  }

  private void ensure(int more) {
    if (more > buf.length - len) {
      long wanted = Math.max((long) len + more, buf.length * 2L);
      if ((long) len + more > Integer.MAX_VALUE - 8) {
        throw new EtfException("the term is too large to encode: more than 2 GiB", -1);
      }
      buf = Arrays.copyOf(buf, (int) Math.min(wanted, Integer.MAX_VALUE - 8));
    }
  }

  private void putBytes(byte[] src, int from, int n) {
    System.arraycopy(src, from, buf, len, n);
    len += n;
  }

  private void putU16(int v) {
    buf[len++] = (byte) (v >>> 8);
    buf[len++] = (byte) v;
  }

  private void putS32(int v) {
    buf[len++] = (byte) (v >>> 24);
    buf[len++] = (byte) (v >>> 16);
    buf[len++] = (byte) (v >>> 8);
    buf[len++] = (byte) v;
  }

  private void putS64(long v) {
    putS32((int) (v >>> 32));
    putS32((int) v);
  }
}
