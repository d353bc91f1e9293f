package io.github.vertxchannels.etf;

import java.util.List;

/**
 * An Erlang list: its elements and its tail, {@code []} for a proper list. Held flattened: a list
 * whose tail is itself a list is stored as one list, so {@code [1,2|[3]]} equals {@code [1,2,3]}
 * as in Erlang.
 *
 * <p>Encoded as {@code STRING_EXT} when Erlang would (a proper list of 1 to 65535 integers in
 * 0..255), else as {@code LIST_EXT}; {@link #NIL} as {@code NIL_EXT}.
 */
public final class ErlList implements Term {

  /** The empty list {@code []}. */
  public static final ErlList NIL = new ErlList(new Term[0], null);

  private final Term[] elements;
  /** Null for a proper list. */
  private final Term tail;
  private final List<Term> view;
  private int hash;

  private ErlList(Term[] elements, Term tail) {
    this.elements = elements;
    this.tail = tail;
    this.view = Terms.view(elements);
  }

  /**
   * @param elements the elements, in order (copied)
   * @return the proper list; {@link #NIL} when empty
   */
  public static ErlList of(Term... elements) {
    return wrap(Terms.copyOf(elements), null);
  }

  /**
   * @param elements the elements, in order (copied)
   * @return the proper list; {@link #NIL} when empty
   */
  public static ErlList of(List<? extends Term> elements) {
    return wrap(Terms.copyOf(elements), null);
  }

  /**
   * @param elements the elements, in order (copied)
   * @param tail the tail
   * @return {@code [E1, ... | Tail]}: a list (proper when the tail is a proper list), or the tail
   *     itself when there are no elements, as in Erlang
   */
  public static Term improper(List<? extends Term> elements, Term tail) {
    if (tail == null) {
      throw new NullPointerException("tail");
    }
    Term[] owned = Terms.copyOf(elements);
    return owned.length == 0 ? tail : wrap(owned, tail);
  }

  /**
   * For this package: the list of the elements (an array the caller gives up) followed by the tail,
   * flattening a list tail. {@code tail} null or {@link #NIL} means proper.
   */
  static ErlList wrap(Term[] owned, Term tail) {
    if (tail instanceof ErlList l) {
      if (owned.length == 0) {
        return l;
      }
      if (l.elements.length > 0) {
        Term[] joined = new Term[owned.length + l.elements.length];
        System.arraycopy(owned, 0, joined, 0, owned.length);
        System.arraycopy(l.elements, 0, joined, owned.length, l.elements.length);
        owned = joined;
      }
      tail = l.tail;
    }
    if (owned.length == 0) {
      if (tail != null) {
        throw new IllegalArgumentException("a list without elements is its tail");
      }
      return NIL;
    }
    return new ErlList(owned, tail);
  }

  /** @return true for a proper list (its tail is {@code []}) */
  public boolean isProper() {
    return tail == null;
  }

  /** @return true for {@code []} */
  public boolean isEmpty() {
    return elements.length == 0;
  }

  /** @return the number of elements (the tail not counted) */
  public int size() {
    return elements.length;
  }

  /**
   * @param index a position, 0 to {@code size() - 1}
   * @return the element there
   */
  public Term get(int index) {
    return elements[index];
  }

  /** @return the elements, unmodifiable (the tail not included) */
  public List<Term> elements() {
    return view;
  }

  /** @return the tail: {@link #NIL} for a proper list, never an {@code ErlList} otherwise */
  public Term tail() {
    return tail == null ? NIL : tail;
  }

  /**
   * @return the list's characters when it is a proper list of Unicode code points (a charlist),
   *     else null
   */
  public String asCharlist() {
    if (tail != null) {
      return null;
    }
    StringBuilder sb = new StringBuilder(elements.length);
    for (Term t : elements) {
      if (!(t instanceof ErlInteger i) || !i.fitsInLong()) {
        return null;
      }
      long cp = i.longValue();
      if (cp < 0 || cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return null;
      }
      sb.appendCodePoint((int) cp);
    }
    return sb.toString();
  }

  /** Elements, kept shared: callers must not modify them. */
  Term[] array() {
    return elements;
  }

  /** The tail, or null for a proper list. */
  Term rawTail() {
    return tail;
  }

  /** Lists are equal when their elements and tails are. */
  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof ErlList l) || l.hashCode() != hashCode() || !l.view.equals(view)) {
      return false;
    }
    return tail == null ? l.tail == null : tail.equals(l.tail);
  }

  /** Consistent with {@link #equals}; computed once. */
  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = view.hashCode() * 31 + (tail == null ? 0 : tail.hashCode()) + 11;
      hash = h;
    }
    return h;
  }

  /** Erlang syntax, e.g. {@code [1,2,3]}, {@code [1|2]}, {@code "text"} for a printable charlist. */
  @Override
  public String toString() {
    return Printer.print(this);
  }
}
