package io.github.vertxchannels.conformance.engine;

import io.github.vertxchannels.etf.Atom;
import io.github.vertxchannels.etf.ErlBinary;
import io.github.vertxchannels.etf.ErlBitString;
import io.github.vertxchannels.etf.ErlFloat;
import io.github.vertxchannels.etf.ErlInteger;
import io.github.vertxchannels.etf.ErlList;
import io.github.vertxchannels.etf.ErlMap;
import io.github.vertxchannels.etf.ErlOpaque;
import io.github.vertxchannels.etf.ErlTuple;
import io.github.vertxchannels.etf.Term;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The canonical text of a term, as {@code erl/vectors.escript} prints it (grammar in the
 * README), for Java's {@link Term} values: {@link #of(Term)} prints one, {@link #toTerm(String)}
 * builds the value a canonical text describes (how the Java surfaces send terms "built as values").
 */
public final class Canonical {

  private static final HexFormat HEX = HexFormat.of();

  private Canonical() {}

  /** @return the canonical text of a term */
  public static String of(Term t) {
    StringBuilder sb = new StringBuilder();
    print(t, sb);
    return sb.toString();
  }

  private static void print(Term t, StringBuilder sb) {
    if (t instanceof Atom a) {
      sb.append("a:").append(HEX.formatHex(a.name().getBytes(StandardCharsets.UTF_8)));
    } else if (t instanceof ErlInteger i) {
      sb.append("i:").append(i.bigIntegerValue());
    } else if (t instanceof ErlFloat f) {
      sb.append("f:").append(String.format("%016x", Double.doubleToRawLongBits(f.value())));
    } else if (t instanceof ErlBinary b) {
      sb.append("b:").append(HEX.formatHex(b.bytes()));
    } else if (t instanceof ErlBitString s) {
      sb.append("s:").append(s.bitSize()).append(':').append(HEX.formatHex(s.bytes()));
    } else if (t instanceof ErlList l) {
      sb.append(l.isProper() ? "L[" : "I[");
      List<Term> es = l.elements();
      for (int i = 0; i < es.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        print(es.get(i), sb);
      }
      if (!l.isProper()) {
        sb.append('|');
        print(l.tail(), sb);
      }
      sb.append(']');
    } else if (t instanceof ErlTuple tu) {
      sb.append("T{");
      List<Term> es = tu.elements();
      for (int i = 0; i < es.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        print(es.get(i), sb);
      }
      sb.append('}');
    } else if (t instanceof ErlMap m) {
      List<String[]> entries = new ArrayList<>();
      for (Map.Entry<Term, Term> e : m.entries().entrySet()) {
        entries.add(new String[] {of(e.getKey()), of(e.getValue())});
      }
      entries.sort((x, y) -> x[0].compareTo(y[0]));
      sb.append("M{");
      for (int i = 0; i < entries.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(entries.get(i)[0]).append('=').append(entries.get(i)[1]);
      }
      sb.append('}');
    } else if (t instanceof ErlOpaque o) {
      String prefix = switch (o.kind()) {
        case PID -> "P:";
        case REF -> "R:";
        case PORT -> "O:";
        case FUN -> "F:";
      };
      sb.append(prefix).append(HEX.formatHex(o.bytes()));
    } else {
      throw new IllegalArgumentException("unknown term type " + t.getClass());
    }
  }

  /** @return the Java value a canonical text describes */
  public static Term toTerm(String canon) {
    Parser p = new Parser(canon);
    Term t = p.term();
    if (p.pos != canon.length()) {
      throw new IllegalArgumentException("trailing text in canonical form at " + p.pos + ": " + canon);
    }
    return t;
  }

  private static final class Parser {
    final String s;
    int pos;

    Parser(String s) {
      this.s = s;
    }

    Term term() {
      char c = s.charAt(pos);
      if (s.startsWith("L[", pos) || s.startsWith("I[", pos)) {
        pos += 2;
        List<Term> es = new ArrayList<>();
        Term tail = null;
        while (s.charAt(pos) != ']') {
          if (!es.isEmpty()) {
            if (s.charAt(pos) == '|') {
              pos++;
              tail = term();
              continue;
            }
            expect(',');
          }
          es.add(term());
        }
        pos++;
        return tail == null ? Term.list(es) : Term.improperList(es, tail);
      }
      if (s.startsWith("T{", pos)) {
        pos += 2;
        List<Term> es = new ArrayList<>();
        while (s.charAt(pos) != '}') {
          if (!es.isEmpty()) {
            expect(',');
          }
          es.add(term());
        }
        pos++;
        return Term.tuple(es);
      }
      if (s.startsWith("M{", pos)) {
        pos += 2;
        Map<Term, Term> m = new LinkedHashMap<>();
        while (s.charAt(pos) != '}') {
          if (!m.isEmpty()) {
            expect(',');
          }
          Term k = term();
          expect('=');
          m.put(k, term());
        }
        pos++;
        return Term.map(m);
      }
      expect(c);
      expect(':');
      switch (c) {
        case 'a':
          return Term.atom(new String(HEX.parseHex(token()), StandardCharsets.UTF_8));
        case 'i':
          return Term.integer(new BigInteger(token()));
        case 'f':
          return Term.floating(Double.longBitsToDouble(Long.parseUnsignedLong(token(), 16)));
        case 'b':
          return Term.binary(HEX.parseHex(token()));
        case 's': {
          long bits = Long.parseLong(token());
          expect(':');
          byte[] bytes = HEX.parseHex(token());
          return Term.bitstring(bytes, (int) (bits % 8 == 0 ? 8 : bits % 8));
        }
        case 'P':
        case 'R':
        case 'O':
        case 'F':
          return ErlOpaque.of(HEX.parseHex(token()));
        default:
          throw new IllegalArgumentException("bad canonical form at " + pos + ": " + s);
      }
    }

    private String token() {
      int start = pos;
      while (pos < s.length() && Character.isLetterOrDigit(s.charAt(pos)) || pos < s.length() && s.charAt(pos) == '-') {
        pos++;
      }
      return s.substring(start, pos);
    }

    private void expect(char c) {
      if (s.charAt(pos) != c) {
        throw new IllegalArgumentException("expected '" + c + "' at " + pos + " in canonical form " + s);
      }
      pos++;
    }
  }
}
