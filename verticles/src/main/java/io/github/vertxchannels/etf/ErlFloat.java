package io.github.vertxchannels.etf;

/**
 * An Erlang float: a finite IEEE 754 double (Erlang has no NaN or infinities). Encoded as
 * {@code NEW_FLOAT_EXT}; {@code FLOAT_EXT} (the old 31-byte text form) is accepted when decoding.
 * Equality is that of {@link Double#compare}, like Erlang's {@code =:=} since OTP 27: {@code 0.0}
 * and {@code -0.0} differ.
 */
public final class ErlFloat implements Term {

  private final double value;

  private ErlFloat(double value) {
    this.value = value;
  }

  /**
   * @param value a finite value
   * @return the float
   * @throws IllegalArgumentException when NaN or infinite
   */
  public static ErlFloat of(double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("Erlang floats are finite: " + value);
    }
    return new ErlFloat(value);
  }

  /** @return the value */
  public double value() {
    return value;
  }

  /** Floats are equal when {@link Double#compare} says so (so {@code 0.0} differs from {@code -0.0}). */
  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof ErlFloat f && Double.compare(f.value, value) == 0;
  }

  /** Consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return Double.hashCode(value);
  }

  /** A valid Erlang float literal, e.g. {@code 1.5}, {@code 1.0e10}, {@code -2.5e-7}. */
  @Override
  public String toString() {
    String s = Double.toString(value);
    int e = s.indexOf('E');
    return e < 0 ? s : s.substring(0, e) + 'e' + s.substring(e + 1);
  }
}
