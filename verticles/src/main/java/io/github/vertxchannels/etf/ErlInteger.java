package io.github.vertxchannels.etf;

import java.math.BigInteger;

/**
 * An Erlang integer, of any size. Values that fit in a {@code long} are held as one (the fast
 * path); larger ones as a {@link BigInteger}. Equal values are equal whatever their encoding
 * ({@code SMALL_INTEGER_EXT}, {@code INTEGER_EXT}, {@code SMALL_BIG_EXT}, {@code LARGE_BIG_EXT}).
 * Encoding is canonical: {@code SMALL_INTEGER_EXT} for 0..255, {@code INTEGER_EXT} for the rest of
 * the signed 32-bit range, {@code SMALL_BIG_EXT} or {@code LARGE_BIG_EXT} beyond.
 */
public final class ErlInteger implements Term, Comparable<ErlInteger> {

  private static final ErlInteger[] CACHE = new ErlInteger[256 + 128];
  private static final BigInteger BIG_LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger BIG_LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  static {
    for (int i = 0; i < CACHE.length; i++) {
      CACHE[i] = new ErlInteger(i - 128, null);
    }
  }

  private final long value;
  /** Null when the value fits in a long. */
  private final BigInteger big;

  private ErlInteger(long value, BigInteger big) {
    this.value = value;
    this.big = big;
  }

  /**
   * @param value the value
   * @return the integer (small values are shared)
   */
  public static ErlInteger of(long value) {
    if (value >= -128 && value < 256) {
      return CACHE[(int) value + 128];
    }
    return new ErlInteger(value, null);
  }

  /**
   * @param value the value, of any size
   * @return the integer
   */
  public static ErlInteger of(BigInteger value) {
    if (value.compareTo(BIG_LONG_MIN) >= 0 && value.compareTo(BIG_LONG_MAX) <= 0) {
      return of(value.longValue());
    }
    return new ErlInteger(0, value);
  }

  /** @return true when the value fits in a {@code long} (then {@link #longValue()} is exact) */
  public boolean fitsInLong() {
    return big == null;
  }

  /**
   * @return the value
   * @throws ArithmeticException when it does not fit in a {@code long}
   */
  public long longValue() {
    if (big != null) {
      throw new ArithmeticException("integer does not fit in a long: " + big);
    }
    return value;
  }

  /**
   * @return the value
   * @throws ArithmeticException when it does not fit in an {@code int}
   */
  public int intValue() {
    return Math.toIntExact(longValue());
  }

  /** @return the value as a {@link BigInteger} (always exact) */
  public BigInteger bigIntegerValue() {
    return big != null ? big : BigInteger.valueOf(value);
  }

  /** The BigInteger when the value does not fit a long, else null. */
  BigInteger bigOrNull() {
    return big;
  }

  /** Integers are equal when their values are. */
  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof ErlInteger i)) {
      return false;
    }
    return big == null ? i.big == null && i.value == value : big.equals(i.big);
  }

  /** Consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return big == null ? Long.hashCode(value) : big.hashCode();
  }

  /**
   * Numeric order. Being {@link Comparable} also keeps hash maps keyed by integers fast when an
   * input makes many keys share a hash code (Java's HashMap then orders a crowded bucket as a tree).
   */
  @Override
  public int compareTo(ErlInteger other) {
    if (big == null && other.big == null) {
      return Long.compare(value, other.value);
    }
    return bigIntegerValue().compareTo(other.bigIntegerValue());
  }

  /** The value in decimal, e.g. {@code -42}. */
  @Override
  public String toString() {
    return big == null ? Long.toString(value) : big.toString();
  }
}
