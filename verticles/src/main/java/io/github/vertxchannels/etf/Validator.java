package io.github.vertxchannels.etf;

import static io.github.vertxchannels.etf.Tags.*;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The strict, single-pass ETF validator behind {@link Etf#validate} (S-FIX-DECODE).
 *
 * <p>It walks the bytes once, iteratively: each open container is a frame of four ints (kind,
 * elements still to come, start offset, and a kind-specific int) in one small array, so that a deep
 * term costs no Java stack and a flat one allocates nothing per element. Every declared size is
 * checked against the bytes actually present before it is used: a container cannot announce more
 * elements than there are bytes left (each element takes at least one), a binary cannot announce
 * more bytes than follow.
 *
 * <p>Map keys must be distinct, as for Erlang's {@code binary_to_term}: each key of a map with two
 * or more entries gets a 64-bit hash that is independent of how the key is encoded ({@link
 * KeyHash}); only when two hashes collide are the keys decoded and compared exactly.
 */
final class Validator {

  private static final int K_TUPLE = 0;
  private static final int K_LIST = 1;
  private static final int K_MAP = 2;
  /** A map with at least two entries, whose keys are checked for duplicates. */
  private static final int K_MAP_KEYED = 3;
  private static final int K_FUN = 4;
  private static final int STRIDE = 4;

  private final byte[] a;
  private final int end;
  /** The array index reported as offset 0 (where the version byte is). */
  private final int origin;
  private final String where;
  private final int maxDepth;

  private int[] frames;
  private int depth;
  private long[] keyHashes;
  private int keyTop;
  /**
   * Bytes the exact duplicate-key comparison may still decode. Hash collisions are resolved by
   * decoding the map; keys that are themselves maps can be made to collide at every nesting
   * level, which would decode the same bytes once per level. The budget keeps the whole
   * validation linear in the input: a term that exhausts it is refused.
   */
  private long compareBudget;

  private Validator(byte[] a, int end, int origin, boolean inflated, int maxDepth) {
    this.a = a;
    this.end = end;
    this.origin = origin;
    this.where = inflated ? " of the inflated data" : "";
    this.maxDepth = maxDepth;
    this.compareBudget = 2L * (end - origin) + 64 * 1024;
  }

  /** Validates; see {@link #check}. */
  static void validate(byte[] a, int off, int len, EtfLimits limits) {
    check(a, off, len, limits);
  }

  /**
   * Validates {@code a[off, off + len)} as one term with its version byte.
   *
   * @return null when the term is {@code a[off + 1, off + len)}; for a compressed term, its
   *     inflated (and validated) body, which is the whole returned array
   */
  static byte[] check(byte[] a, int off, int len, EtfLimits limits) {
    Objects.checkFromIndexSize(off, len, a.length);
    if (len == 0) {
      throw new EtfException("empty input: expected the version byte 131", 0);
    }
    int version = a[off] & 0xFF;
    if (version != VERSION) {
      throw new EtfException("wrong version byte " + version + " at offset 0: expected 131", 0);
    }
    if (len == 1) {
      throw new EtfException("no term after the version byte", 1);
    }
    if ((a[off + 1] & 0xFF) == COMPRESSED) {
      byte[] body = inflate(a, off, len, limits);
      new Validator(body, body.length, 0, true, limits.maxDepth()).whole(0);
      return body;
    }
    new Validator(a, off + len, off, false, limits.maxDepth()).whole(off + 1);
    return null;
  }

  /** Validates one term at pos that must end exactly at the end. */
  private void whole(int pos) {
    int after = term(pos);
    if (after != end) {
      throw new EtfException("trailing bytes: the term ends at offset " + (after - origin) + where + ", followed by "
          + (end - after) + " more byte(s)", after - origin);
    }
  }

  /** Validates one term at pos; returns the position after it. */
  private int term(int pos) {
    long pending = 1; // terms announced but not started yet: each needs at least one byte
    for (;;) {
      if (pos >= end) {
        throw new EtfException("truncated: expected a term at offset " + (pos - origin) + where + ", the input ends",
            pos - origin);
      }
      final int at = pos;
      final int tag = a[pos++] & 0xFF;
      pending--;
      switch (tag) {
        case SMALL_INTEGER_EXT:
          pos = fixed(at, pos, 1);
          break;
        case INTEGER_EXT:
          pos = fixed(at, pos, 4);
          break;
        case NEW_FLOAT_EXT:
          pos = fixed(at, pos, 8);
          if ((~s64(a, at + 1) & 0x7FF0_0000_0000_0000L) == 0) {
            throw error(at, "NEW_FLOAT_EXT", "is not finite (NaN or an infinity), which Erlang has no float for");
          }
          break;
        case FLOAT_EXT:
          pos = fixed(at, pos, 31);
          if (Double.isNaN(parseFloatText(a, at + 1))) {
            throw error(at, "FLOAT_EXT", "is not a finite float in Erlang's NUL-terminated text form");
          }
          break;
        case ATOM_EXT:
        case SMALL_ATOM_EXT:
        case ATOM_UTF8_EXT:
        case SMALL_ATOM_UTF8_EXT:
          pos = atomBody(at, tag, pos);
          break;
        case SMALL_TUPLE_EXT: {
          pos = fixed(at, pos, 1);
          int n = a[at + 1] & 0xFF;
          if (n > 0) {
            pending = open(K_TUPLE, at, pos, n, n, pending, 0);
            continue;
          }
          break;
        }
        case LARGE_TUPLE_EXT: {
          pos = fixed(at, pos, 4);
          long n = u32(a, at + 1);
          if (n > 0) {
            pending = open(K_TUPLE, at, pos, n, n, pending, 0);
            continue;
          }
          break;
        }
        case NIL_EXT:
          break;
        case STRING_EXT:
          pos = fixed(at, pos, 2);
          pos = declared(at, pos, u16(a, at + 1));
          break;
        case LIST_EXT: {
          pos = fixed(at, pos, 4);
          long n = u32(a, at + 1);
          pending = open(K_LIST, at, pos, n, n + 1, pending, 0); // the elements, then the tail
          continue;
        }
        case MAP_EXT: {
          pos = fixed(at, pos, 4);
          long n = u32(a, at + 1);
          if (n > 0) {
            pending = open(n >= 2 ? K_MAP_KEYED : K_MAP, at, pos, n, 2 * n, pending, pos);
            continue;
          }
          break;
        }
        case BINARY_EXT:
          pos = fixed(at, pos, 4);
          pos = declared(at, pos, u32(a, at + 1));
          break;
        case BIT_BINARY_EXT: {
          pos = fixed(at, pos, 5);
          long n = u32(a, at + 1);
          int bits = a[at + 5] & 0xFF;
          if (bits > 8 || (bits == 0) != (n == 0)) {
            throw error(at, "BIT_BINARY_EXT", "has " + bits + " bits in the last of its " + n
                + " bytes: must be 1..8, or 0 when there are no bytes");
          }
          pos = declared(at, pos, n);
          break;
        }
        case SMALL_BIG_EXT:
          pos = fixed(at, pos, 2);
          pos = declared(at, pos, a[at + 1] & 0xFF);
          break;
        case LARGE_BIG_EXT: {
          pos = fixed(at, pos, 5);
          long n = u32(a, at + 1);
          if (n > MAX_BIG_BYTES) {
            throw error(at, "LARGE_BIG_EXT", "declares " + n + " digit bytes, more than Erlang's limit of " + MAX_BIG_BYTES);
          }
          pos = declared(at, pos, n);
          break;
        }
        case PID_EXT:
        case NEW_PID_EXT:
          pos = pidBody(at, tag, pos);
          break;
        case PORT_EXT:
          pos = fixed(at, node(at, tag, pos), 5);
          tinyCreation(at, tag, pos - 1);
          break;
        case NEW_PORT_EXT:
          pos = fixed(at, node(at, tag, pos), 8);
          break;
        case V4_PORT_EXT:
          pos = fixed(at, node(at, tag, pos), 12);
          break;
        case REFERENCE_EXT:
          pos = fixed(at, node(at, tag, pos), 5);
          refFirstWord(at, tag, pos - 5);
          tinyCreation(at, tag, pos - 1);
          break;
        case NEW_REFERENCE_EXT:
        case NEWER_REFERENCE_EXT:
          pos = refBody(at, tag, pos);
          break;
        case EXPORT_EXT:
          pos = atom(at, tag, "module", pos);
          pos = atom(at, tag, "function", pos);
          pos = smallInteger(at, tag, "arity", pos, true);
          break;
        case NEW_FUN_EXT: {
          pos = fixed(at, pos, 4);
          long size = u32(a, at + 1);
          declared(at, at + 1, size);
          int funEnd = (int) (at + 1 + size);
          pos = fixed(at, pos, 1 + 16 + 4 + 4);
          long free = u32(a, at + 1 + 4 + 1 + 16 + 4);
          if (free > MAX_FUN_FREE_VARS) {
            throw error(at, "NEW_FUN_EXT", "declares " + free + " free variables, more than Erlang's limit of "
                + MAX_FUN_FREE_VARS);
          }
          pos = atom(at, tag, "module", pos);
          pos = smallInteger(at, tag, "old index", pos, false);
          pos = smallInteger(at, tag, "old uniq", pos, false);
          if (pos >= end || ((a[pos] & 0xFF) != PID_EXT && (a[pos] & 0xFF) != NEW_PID_EXT)) {
            throw error(at, "NEW_FUN_EXT", "needs the creator's pid at offset " + (pos - origin) + where);
          }
          pos = pidBody(pos, a[pos] & 0xFF, pos + 1);
          if (free > 0) {
            pending = open(K_FUN, at, pos, free, free, pending, funEnd);
            continue;
          }
          funEnd(at, size, pos, funEnd);
          break;
        }
        case COMPRESSED:
          throw error(at, "compressed term (tag 80)", "is only allowed right after the version byte");
        case ATOM_CACHE_REF:
          throw error(at, "ATOM_CACHE_REF (tag 82)", "is only meaningful inside the distribution protocol");
        case DIST_HEADER:
          throw error(at, "distribution header (tag 68)", "is only meaningful inside the distribution protocol");
        case LOCAL_EXT:
          throw error(at, "LOCAL_EXT (tag 121)", "can only be decoded by the node that encoded it");
        case ATOM_INTERNAL_REF2:
        case BINARY_INTERNAL_REF:
        case ATOM_INTERNAL_REF3:
        case BIT_BINARY_INTERNAL_REF:
          throw error(at, Tags.name(tag) + " (tag " + tag + ")", "is internal to the node that wrote it (an atom table "
              + "index or a memory address), meaningless anywhere else");
        case FUN_EXT:
          throw error(at, "FUN_EXT (tag 117)", "is the old fun encoding, which OTP 23 and later cannot decode");
        case VERSION:
          throw error(at, "version byte 131", "is unexpected: a term has one version byte, at its start");
        default:
          throw new EtfException("unknown tag " + tag + " at offset " + (at - origin) + where, at - origin);
      }
      // A term ended at pos: count it in the enclosing containers, closing those it completes.
      while (depth > 0) {
        int f = (depth - 1) * STRIDE;
        int kind = frames[f];
        int left = frames[f + 1];
        if (kind == K_MAP_KEYED && (left & 1) == 0) {
          addKey(frames[f + 3], pos);
        }
        if (--left > 0) {
          frames[f + 1] = left;
          if (kind == K_MAP_KEYED && (left & 1) == 0) {
            frames[f + 3] = pos; // the next key starts here
          }
          break;
        }
        if (kind == K_FUN) {
          funEnd(frames[f + 2], u32(a, frames[f + 2] + 1), pos, frames[f + 3]);
        } else if (kind == K_MAP_KEYED) {
          checkKeys(frames[f + 2], pos);
        }
        depth--;
      }
      if (depth == 0) {
        return pos;
      }
    }
  }

  /**
   * Opens a container of {@code count} terms whose header ends at pos.
   *
   * @return the new number of pending terms
   */
  private long open(int kind, int at, int pos, long declared, long count, long pending, int aux) {
    long total = pending + count;
    if (total > end - pos) {
      int tag = a[at] & 0xFF;
      String what = tag == MAP_EXT ? " pairs" : tag == NEW_FUN_EXT ? " free variables" : " elements";
      throw error(at, Tags.name(tag), "declares " + declared + what + ", more than the " + (end - pos)
          + " bytes left can hold");
    }
    if (depth == maxDepth) {
      throw error(at, Tags.name(a[at] & 0xFF), "nests deeper than the limit of " + maxDepth + " containers");
    }
    if (frames == null) {
      frames = new int[8 * STRIDE];
    } else if ((depth + 1) * STRIDE > frames.length) {
      frames = Arrays.copyOf(frames, Math.min(frames.length * 2, (maxDepth + 1) * STRIDE));
    }
    int f = depth * STRIDE;
    frames[f] = kind;
    frames[f + 1] = (int) count;
    frames[f + 2] = at;
    frames[f + 3] = aux;
    depth++;
    return total;
  }

  /** Checks that n fixed bytes follow pos; returns pos + n. */
  private int fixed(int at, int pos, int n) {
    if (n > end - pos) {
      throw new EtfException("truncated " + Tags.name(a[at] & 0xFF) + " at offset " + (at - origin) + where + ": needs "
          + n + " more bytes at offset " + (pos - origin) + ", " + (end - pos) + " present", at - origin);
    }
    return pos + n;
  }

  /** Checks that the n bytes a length field declares follow pos; returns pos + n. */
  private int declared(int at, int pos, long n) {
    if (n > end - pos) {
      throw new EtfException("truncated " + Tags.name(a[at] & 0xFF) + " at offset " + (at - origin) + where
          + ": declares " + n + " bytes, " + (end - pos) + " present", at - origin);
    }
    return (int) (pos + n);
  }

  private EtfException error(int at, String what, String problem) {
    return new EtfException(what + " at offset " + (at - origin) + where + " " + problem, at - origin);
  }

  /** The body of an atom whose tag (at {@code at}) is already read; returns its end. */
  private int atomBody(int at, int tag, int pos) {
    boolean wide = tag == ATOM_EXT || tag == ATOM_UTF8_EXT;
    pos = fixed(at, pos, wide ? 2 : 1);
    int len = wide ? u16(a, at + 1) : a[at + 1] & 0xFF;
    boolean utf8 = tag == ATOM_UTF8_EXT || tag == SMALL_ATOM_UTF8_EXT;
    if (len > (utf8 ? MAX_ATOM_UTF8_BYTES : MAX_ATOM_CHARS)) {
      throw error(at, Tags.name(tag), "declares " + len + " bytes, more than an atom of 255 characters can have");
    }
    int after = declared(at, pos, len);
    if (utf8) {
      int chars = Utf8.countCodePoints(a, pos, len);
      if (chars < 0) {
        throw error(at, Tags.name(tag), "is not valid UTF-8 (bad byte at offset " + (pos - 1 - chars - origin) + ")");
      }
      if (chars > MAX_ATOM_CHARS) {
        throw error(at, Tags.name(tag), "has " + chars + " characters, more than Erlang's limit of 255");
      }
    }
    return after;
  }

  /** An atom field of the term at {@code owner}; returns its end. */
  private int atom(int owner, int ownerTag, String field, int pos) {
    int tag = pos < end ? a[pos] & 0xFF : -1;
    if (!isAtomTag(tag)) {
      throw error(owner, Tags.name(ownerTag), "needs an atom for its " + field + " at offset " + (pos - origin) + where
          + (tag < 0 ? ", the input ends" : ", found " + Tags.name(tag)));
    }
    return atomBody(pos, tag, pos + 1);
  }

  private int node(int at, int tag, int pos) {
    return atom(at, tag, "node", pos);
  }

  /** A SMALL_INTEGER_EXT or INTEGER_EXT field (non-negative when asked); returns its end. */
  private int smallInteger(int owner, int ownerTag, String field, int pos, boolean nonNegative) {
    int tag = pos < end ? a[pos] & 0xFF : -1;
    if (tag == SMALL_INTEGER_EXT) {
      return fixed(pos, pos + 1, 1);
    }
    if (tag == INTEGER_EXT) {
      int after = fixed(pos, pos + 1, 4);
      if (nonNegative && s32(a, pos + 1) < 0) {
        throw error(owner, Tags.name(ownerTag), "has a negative " + field);
      }
      return after;
    }
    throw error(owner, Tags.name(ownerTag), "needs a SMALL_INTEGER_EXT or INTEGER_EXT for its " + field + " at offset "
        + (pos - origin) + where + (tag < 0 ? ", the input ends" : ", found " + Tags.name(tag)));
  }

  private int pidBody(int at, int tag, int pos) {
    pos = fixed(at, node(at, tag, pos), tag == PID_EXT ? 9 : 12);
    if (tag == PID_EXT) {
      tinyCreation(at, tag, pos - 1);
    }
    return pos;
  }

  private int refBody(int at, int tag, int pos) {
    pos = fixed(at, pos, 2);
    int words = u16(a, at + 1);
    if (words > MAX_REF_WORDS || (tag == NEW_REFERENCE_EXT && words == 0)) {
      throw error(at, Tags.name(tag), "has " + words + " id words: Erlang accepts "
          + (tag == NEW_REFERENCE_EXT ? "1" : "0") + ".." + MAX_REF_WORDS);
    }
    pos = node(at, tag, pos);
    int creation = pos;
    pos = fixed(at, pos, (tag == NEW_REFERENCE_EXT ? 1 : 4) + 4 * words);
    if (tag == NEW_REFERENCE_EXT) {
      tinyCreation(at, tag, creation);
      refFirstWord(at, tag, creation + 1);
    }
    return pos;
  }

  /** The old encodings (PID_EXT, PORT_EXT, REFERENCE_EXT, NEW_REFERENCE_EXT) have a creation of 0..3. */
  private void tinyCreation(int at, int tag, int p) {
    int creation = a[p] & 0xFF;
    if (creation > 3) {
      throw error(at, Tags.name(tag), "has creation " + creation + ": this encoding allows 0..3");
    }
  }

  /** The old reference encodings keep 18 bits in their first id word. */
  private void refFirstWord(int at, int tag, int p) {
    if (u32(a, p) > 0x3FFFF) {
      throw error(at, Tags.name(tag), "has a first id word above 18 bits");
    }
  }

  private void funEnd(int at, long size, int pos, int funEnd) {
    if (pos != funEnd) {
      throw error(at, "NEW_FUN_EXT", "declares a size of " + size + " bytes but spans " + (pos - at - 1));
    }
  }

  private void addKey(int from, int to) {
    if (keyHashes == null) {
      keyHashes = new long[16];
    } else if (keyTop == keyHashes.length) {
      keyHashes = Arrays.copyOf(keyHashes, keyTop * 2);
    }
    keyHashes[keyTop++] = KeyHash.of(a, from, to);
  }

  /** All the keys of the map at {@code at} are hashed: refuse it when two are equal. */
  private void checkKeys(int at, int mapEnd) {
    int arity = (int) u32(a, at + 1);
    int base = keyTop - arity;
    keyTop = base;
    if (arity == 2) {
      if (keyHashes[base] != keyHashes[base + 1]) {
        return;
      }
    } else {
      Arrays.sort(keyHashes, base, base + arity);
      boolean collision = false;
      for (int i = base + 1; i < base + arity && !collision; i++) {
        collision = keyHashes[i] == keyHashes[i - 1];
      }
      if (!collision) {
        return;
      }
    }
    // Equal hashes: decide exactly (the map's content is validated, so it decodes).
    compareBudget -= mapEnd - at;
    if (compareBudget < 0) {
      throw error(at, "MAP_EXT", "has keys whose duplicate check would take work out of proportion to the"
          + " input (maps as keys colliding at many nesting levels); refused to keep validation linear");
    }
    Decoder decoder = new Decoder(a);
    HashSet<Term> keys = new HashSet<>();
    int p = at + 5;
    for (int i = 0; i < arity; i++) {
      Term key = decoder.read(p);
      if (!keys.add(key)) {
        String text = key.toString();
        throw error(at, "MAP_EXT", "has the key " + (text.length() > 80 ? text.substring(0, 77) + "..." : text)
            + " twice");
      }
      decoder.read(decoder.position());
      p = decoder.position();
    }
  }

  /**
   * Inflates the compressed term {@code 131, 80, Size:32, ZlibData} in {@code a[off, off + len)}.
   * The output grows with what the data really inflates to, never beyond the declared size, which
   * must be within the limit; the data must inflate to exactly that size and end the input.
   */
  static byte[] inflate(byte[] a, int off, int len, EtfLimits limits) {
    if (len < 6) {
      throw new EtfException("truncated compressed term (tag 80) at offset 1: needs 4 bytes of size, "
          + (len - 2) + " present", 1);
    }
    long size = u32(a, off + 2);
    if (size > limits.maxInflatedBytes()) {
      throw new EtfException("compressed term (tag 80) at offset 1 declares " + size
          + " uncompressed bytes, more than the limit of " + limits.maxInflatedBytes(), 1);
    }
    if (size == 0) {
      throw new EtfException("compressed term (tag 80) at offset 1 declares 0 uncompressed bytes: no term", 1);
    }
    int declared = (int) size;
    // A deflate stream inflates at most ~1032 times, so this bounds the first allocation by the input.
    byte[] out = new byte[(int) Math.min(declared, Math.max(256L, (len - 6) * 8L))];
    int n = 0;
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(a, off + 6, len - 6);
      for (;;) {
        if (n == out.length) {
          if (n == declared) {
            break;
          }
          out = Arrays.copyOf(out, (int) Math.min(declared, out.length * 2L));
        }
        int k = inflater.inflate(out, n, out.length - n);
        n += k;
        if (k == 0 && n < out.length) {
          if (inflater.finished()) {
            throw new EtfException("compressed term (tag 80) at offset 1 declares " + declared
                + " uncompressed bytes but inflates to " + n, 1);
          }
          if (inflater.needsDictionary()) {
            throw new EtfException("compressed term (tag 80) at offset 1 needs a preset zlib dictionary", 1);
          }
          if (inflater.needsInput()) {
            throw new EtfException("truncated compressed term (tag 80) at offset 1: the zlib data ends after "
                + n + " of " + declared + " bytes", 1);
          }
        }
      }
      if (!inflater.finished()) {
        byte[] probe = new byte[1];
        if (inflater.inflate(probe) > 0) {
          throw new EtfException("compressed term (tag 80) at offset 1 inflates to more than the "
              + declared + " bytes it declares", 1);
        }
        if (!inflater.finished()) {
          throw new EtfException("truncated compressed term (tag 80) at offset 1: the zlib stream does not end", 1);
        }
      }
      if (inflater.getRemaining() > 0) {
        long at = (long) len - inflater.getRemaining();
        throw new EtfException("trailing bytes: the zlib stream of the compressed term ends at offset " + at
            + ", followed by " + inflater.getRemaining() + " more byte(s)", at);
      }
    } catch (DataFormatException e) {
      throw new EtfException("compressed term (tag 80) at offset 1 has corrupt zlib data: " + e.getMessage(), 1);
    } finally {
      inflater.end();
    }
    return out;
  }
}
