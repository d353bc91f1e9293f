package io.github.vertxchannels.etf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An Erlang map. Its entries keep an order (the order given, or the order on the wire when
 * decoded), which is the order they are encoded in ({@code MAP_EXT}); equality ignores it, as in
 * Erlang. Decoding a map whose keys repeat fails, as Erlang's {@code binary_to_term} does.
 */
public final class ErlMap implements Term {

  /** The empty map {@code #{}}. */
  public static final ErlMap EMPTY = new ErlMap(new LinkedHashMap<>(0));

  private final Map<Term, Term> entries;
  private int hash;

  private ErlMap(LinkedHashMap<Term, Term> entries) {
    this.entries = Collections.unmodifiableMap(entries);
  }

  /**
   * @param entries the entries, copied in their iteration order
   * @return the map
   */
  public static ErlMap of(Map<? extends Term, ? extends Term> entries) {
    LinkedHashMap<Term, Term> copy = new LinkedHashMap<>(Math.max(2, entries.size() * 4 / 3 + 1));
    for (Map.Entry<? extends Term, ? extends Term> e : entries.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new NullPointerException("a map cannot contain null");
      }
      copy.put(e.getKey(), e.getValue());
    }
    return wrap(copy);
  }

  /**
   * @param keysAndValues key1, value1, key2, value2, ...
   * @return the map, in that order
   * @throws IllegalArgumentException when given an odd number of terms or a key twice
   */
  public static ErlMap of(Term... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("keys and values come in pairs: " + keysAndValues.length + " terms");
    }
    LinkedHashMap<Term, Term> map = new LinkedHashMap<>(Math.max(2, keysAndValues.length * 2 / 3 + 1));
    for (int i = 0; i < keysAndValues.length; i += 2) {
      Term k = keysAndValues[i];
      Term v = keysAndValues[i + 1];
      if (k == null || v == null) {
        throw new NullPointerException("a map cannot contain null");
      }
      if (map.putIfAbsent(k, v) != null) {
        throw new IllegalArgumentException("duplicate map key " + k);
      }
    }
    return wrap(map);
  }

  /** For this package: a map over a LinkedHashMap the caller gives up. */
  static ErlMap wrap(LinkedHashMap<Term, Term> owned) {
    return owned.isEmpty() ? EMPTY : new ErlMap(owned);
  }

  /** @return the number of entries */
  public int size() {
    return entries.size();
  }

  /**
   * @param key a key
   * @return its value, or null when absent
   */
  public Term get(Term key) {
    return entries.get(key);
  }

  /** @return the entries, unmodifiable, in the map's order */
  public Map<Term, Term> entries() {
    return entries;
  }

  /** Maps are equal when they hold the same entries, in any order. */
  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof ErlMap m && m.hashCode() == hashCode() && m.entries.equals(entries);
  }

  /** Consistent with {@link #equals} (independent of the order); computed once. */
  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = entries.hashCode() * 31 + 13;
      hash = h;
    }
    return h;
  }

  /** Erlang syntax, e.g. {@code #{a => 1,<<"k">> => []}}. */
  @Override
  public String toString() {
    return Printer.print(this);
  }
}
