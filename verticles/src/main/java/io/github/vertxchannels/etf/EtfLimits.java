package io.github.vertxchannels.etf;

/**
 * The bounds that {@link Etf#validate} and {@link Etf#decode} enforce on top of the format's own
 * rules, so that a small hostile payload cannot cost a lot of memory or stack. Immutable; derive
 * variants with the {@code with*} methods, e.g. {@code EtfLimits.DEFAULT.withMaxDepth(64)}.
 */
public final class EtfLimits {

  /** The default {@link #maxDepth()}: 512 nested containers. */
  public static final int DEFAULT_MAX_DEPTH = 512;

  /** The default {@link #maxInflatedBytes()}: 64 MiB. */
  public static final int DEFAULT_MAX_INFLATED_BYTES = 64 * 1024 * 1024;

  /** The largest {@link #maxDepth()} accepted: deeper values are impractical to use in Java. */
  public static final int MAX_MAX_DEPTH = 1 << 20;

  /** The defaults: depth 512, 64 MiB inflated. */
  public static final EtfLimits DEFAULT = new EtfLimits(DEFAULT_MAX_DEPTH, DEFAULT_MAX_INFLATED_BYTES);

  private final int maxDepth;
  private final int maxInflatedBytes;

  private EtfLimits(int maxDepth, int maxInflatedBytes) {
    this.maxDepth = maxDepth;
    this.maxInflatedBytes = maxInflatedBytes;
  }

  /**
   * @return the deepest nesting of containers (tuples, lists, maps, funs with free variables)
   *     accepted: a term {@code [[[]]]} has depth 2 (the innermost {@code []} is not a container
   *     with elements), a scalar has depth 0
   */
  public int maxDepth() {
    return maxDepth;
  }

  /**
   * @return the largest uncompressed size, in bytes, that a compressed term (tag 80) may declare;
   *     the inflated data is never allowed to grow beyond it
   */
  public int maxInflatedBytes() {
    return maxInflatedBytes;
  }

  /**
   * @param maxDepth the deepest nesting of containers accepted, 1 to {@link #MAX_MAX_DEPTH}
   * @return limits like these with that depth
   * @throws IllegalArgumentException when out of range
   */
  public EtfLimits withMaxDepth(int maxDepth) {
    if (maxDepth < 1 || maxDepth > MAX_MAX_DEPTH) {
      throw new IllegalArgumentException("maxDepth must be in 1.." + MAX_MAX_DEPTH + ": " + maxDepth);
    }
    return new EtfLimits(maxDepth, maxInflatedBytes);
  }

  /**
   * @param maxInflatedBytes the largest uncompressed size a compressed term may declare, in bytes;
   *     0 refuses every compressed term
   * @return limits like these with that cap
   * @throws IllegalArgumentException when negative
   */
  public EtfLimits withMaxInflatedBytes(int maxInflatedBytes) {
    if (maxInflatedBytes < 0) {
      throw new IllegalArgumentException("maxInflatedBytes must not be negative: " + maxInflatedBytes);
    }
    return new EtfLimits(maxDepth, maxInflatedBytes);
  }

  /** Limits are equal when both bounds are. */
  @Override
  public boolean equals(Object o) {
    return o instanceof EtfLimits l && l.maxDepth == maxDepth && l.maxInflatedBytes == maxInflatedBytes;
  }

  /** Consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return 31 * maxDepth + maxInflatedBytes;
  }

  /** For example {@code EtfLimits[maxDepth=512, maxInflatedBytes=67108864]}. */
  @Override
  public String toString() {
    return "EtfLimits[maxDepth=" + maxDepth + ", maxInflatedBytes=" + maxInflatedBytes + "]";
  }
}
