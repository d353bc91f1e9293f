package io.github.vertxchannels.etf;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Helpers shared by the {@link Term} implementations. */
final class Terms {

  private Terms() {}

  /** A null-free copy of the elements. */
  static Term[] copyOf(List<? extends Term> elements) {
    return nullFree(elements.toArray(new Term[0]));
  }

  /** A null-free copy of the elements. */
  static Term[] copyOf(Term[] elements) {
    return nullFree(Arrays.copyOf(elements, elements.length, Term[].class));
  }

  private static Term[] nullFree(Term[] elements) {
    for (Term t : elements) {
      if (t == null) {
        throw new NullPointerException("a term cannot contain null");
      }
    }
    return elements;
  }

  /** An unmodifiable list view of an array the caller gives up. */
  static List<Term> view(Term[] owned) {
    return Collections.unmodifiableList(Arrays.asList(owned));
  }
}
