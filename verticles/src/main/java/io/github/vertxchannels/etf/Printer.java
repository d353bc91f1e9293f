package io.github.vertxchannels.etf;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;

/** Prints terms in Erlang syntax, iteratively so that deep values cannot overflow the stack. */
final class Printer {

  private Printer() {}

  static String print(Term root) {
    StringBuilder sb = new StringBuilder(64);
    // The work stack holds terms still to print and literal strings (punctuation) to append.
    ArrayDeque<Object> work = new ArrayDeque<>();
    work.push(root);
    while (!work.isEmpty()) {
      Object next = work.pop();
      if (next instanceof String s) {
        sb.append(s);
      } else if (next instanceof ErlTuple t) {
        sb.append('{');
        work.push("}");
        pushSeparated(work, t.array());
      } else if (next instanceof ErlList l) {
        if (l.isEmpty()) {
          sb.append("[]");
        } else if (isPrintableCharlist(l)) {
          sb.append('"');
          for (Term e : l.array()) {
            escapeChar(sb, ((ErlInteger) e).intValue(), '"');
          }
          sb.append('"');
        } else {
          sb.append('[');
          work.push("]");
          if (!l.isProper()) {
            work.push(l.rawTail());
            work.push("|");
          }
          pushSeparated(work, l.array());
        }
      } else if (next instanceof ErlMap m) {
        sb.append("#{");
        work.push("}");
        Object[] items = new Object[m.size() * 4];
        int i = 0;
        for (Iterator<Map.Entry<Term, Term>> it = m.entries().entrySet().iterator(); it.hasNext(); ) {
          Map.Entry<Term, Term> e = it.next();
          items[i++] = e.getKey();
          items[i++] = " => ";
          items[i++] = e.getValue();
          items[i++] = it.hasNext() ? "," : "";
        }
        for (int j = items.length - 1; j >= 0; j--) {
          work.push(items[j]);
        }
      } else if (next instanceof Atom a) {
        a.appendTo(sb);
      } else {
        sb.append(next);
      }
    }
    return sb.toString();
  }

  private static void pushSeparated(ArrayDeque<Object> work, Term[] elements) {
    for (int i = elements.length - 1; i >= 0; i--) {
      work.push(elements[i]);
      if (i > 0) {
        work.push(",");
      }
    }
  }

  /** Erlang's default printable range for ~p (Latin-1). */
  private static boolean printableLatin1(long c) {
    return (c >= 32 && c <= 126) || (c >= 160 && c <= 255) || (c >= 8 && c <= 13) || c == 27;
  }

  private static boolean isPrintableCharlist(ErlList l) {
    if (!l.isProper()) {
      return false;
    }
    for (Term e : l.array()) {
      if (!(e instanceof ErlInteger i) || !i.fitsInLong() || !printableLatin1(i.longValue())) {
        return false;
      }
    }
    return true;
  }

  /** Appends s escaped for a quoted atom ({@code '}) or string ({@code "}). */
  static void escape(StringBuilder sb, String s, char quote) {
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      escapeChar(sb, c, quote);
      i += Character.charCount(c);
    }
  }

  private static void escapeChar(StringBuilder sb, int c, char quote) {
    switch (c) {
      case '\n': sb.append("\\n"); return;
      case '\r': sb.append("\\r"); return;
      case '\t': sb.append("\\t"); return;
      case 11: sb.append("\\v"); return;
      case '\b': sb.append("\\b"); return;
      case '\f': sb.append("\\f"); return;
      case 27: sb.append("\\e"); return;
      case '\\': sb.append("\\\\"); return;
      default:
        if (c == quote) {
          sb.append('\\').append(quote);
        } else if (c < 32 || c == 127) {
          sb.append('\\').append((char) ('0' + (c >> 6))).append((char) ('0' + ((c >> 3) & 7)))
              .append((char) ('0' + (c & 7)));
        } else {
          sb.appendCodePoint(c);
        }
    }
  }

  /**
   * Appends {@code <<...>>} for {@code length} bytes whose last byte holds {@code lastBits} bits
   * (8 for a binary).
   */
  static void appendBinary(StringBuilder sb, byte[] bytes, int length, int lastBits) {
    sb.append("<<");
    if (lastBits == 8 && length > 0) {
      String utf8 = printableUtf8(bytes, length);
      if (utf8 != null) {
        sb.append('"');
        escape(sb, utf8, '"');
        sb.append("\"/utf8>>");
        return;
      }
      boolean printable = true;
      for (int i = 0; i < length && printable; i++) {
        printable = printableLatin1(bytes[i] & 0xFF);
      }
      if (printable) {
        sb.append('"');
        for (int i = 0; i < length; i++) {
          escapeChar(sb, bytes[i] & 0xFF, '"');
        }
        sb.append("\">>");
        return;
      }
    }
    int whole = lastBits == 8 ? length : length - 1;
    for (int i = 0; i < whole; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(bytes[i] & 0xFF);
    }
    if (lastBits != 8) {
      if (whole > 0) {
        sb.append(',');
      }
      sb.append((bytes[length - 1] & 0xFF) >>> (8 - lastBits)).append(':').append(lastBits);
    }
    sb.append(">>");
  }

  /** The text when the bytes are valid UTF-8 with some non-ASCII and all printable, else null. */
  private static String printableUtf8(byte[] bytes, int length) {
    boolean nonAscii = false;
    for (int i = 0; i < length; i++) {
      if (bytes[i] < 0) {
        nonAscii = true;
        break;
      }
    }
    if (!nonAscii || Utf8.countCodePoints(bytes, 0, length) < 0) {
      return null;
    }
    String s = new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8);
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      if (c < 160 && !printableLatin1(c) || Character.getType(c) == Character.CONTROL
          || Character.getType(c) == Character.UNASSIGNED) {
        return null;
      }
      i += Character.charCount(c);
    }
    return s;
  }
}
