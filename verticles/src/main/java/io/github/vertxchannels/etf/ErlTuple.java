package io.github.vertxchannels.etf;

import java.util.List;

/**
 * An Erlang tuple {@code {E1, E2, ...}}. Encoded as {@code SMALL_TUPLE_EXT} (up to 255 elements) or
 * {@code LARGE_TUPLE_EXT}.
 */
public final class ErlTuple implements Term {

  /** The empty tuple {@code {}}. */
  public static final ErlTuple EMPTY = new ErlTuple(new Term[0]);

  private final Term[] elements;
  private final List<Term> view;
  private int hash;

  private ErlTuple(Term[] elements) {
    this.elements = elements;
    this.view = Terms.view(elements);
  }

  /**
   * @param elements the elements, in order (copied)
   * @return the tuple
   */
  public static ErlTuple of(Term... elements) {
    return wrap(Terms.copyOf(elements));
  }

  /**
   * @param elements the elements, in order (copied)
   * @return the tuple
   */
  public static ErlTuple of(List<? extends Term> elements) {
    return wrap(Terms.copyOf(elements));
  }

  /** For this package: a tuple over a null-free array the caller gives up. */
  static ErlTuple wrap(Term[] owned) {
    return owned.length == 0 ? EMPTY : new ErlTuple(owned);
  }

  /** @return the number of elements */
  public int arity() {
    return elements.length;
  }

  /**
   * @param index a position, 0 to {@code arity() - 1} (Erlang's {@code element/2} counts from 1)
   * @return the element there
   */
  public Term get(int index) {
    return elements[index];
  }

  /** @return the elements, unmodifiable */
  public List<Term> elements() {
    return view;
  }

  /** The elements, shared: callers must not modify them. */
  Term[] array() {
    return elements;
  }

  /** Tuples are equal when their elements are. */
  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof ErlTuple t && t.hashCode() == hashCode() && t.view.equals(view);
  }

  /** Consistent with {@link #equals}; computed once. */
  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = view.hashCode() * 31 + 7;
      hash = h;
    }
    return h;
  }

  /** Erlang syntax, e.g. {@code {ok,42,<<"x">>}}. */
  @Override
  public String toString() {
    return Printer.print(this);
  }
}
