package io.catalogimage.simulator.fault;

/**
 * Cheap, stable 64-bit hashing. Every "random" choice of the simulator is a function of such a
 * hash, never of a shared generator, so outcomes do not depend on request arrival order.
 */
public final class Hashing {
  private Hashing() {}

  /** FNV-1a over the UTF-16 chars, then a SplitMix64 finaliser to spread the bits. */
  public static long of(String text) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < text.length(); i++) {
      h ^= text.charAt(i);
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  /** Combines values into one hash (order matters). */
  public static long combine(long... parts) {
    long h = 0x9E3779B97F4A7C15L;
    for (long p : parts) {
      h = mix(h ^ mix(p));
    }
    return h;
  }

  /** SplitMix64 finaliser. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** A double in [0, 1) from a hash. */
  public static double unit(long hash) {
    return (hash >>> 11) * 0x1.0p-53;
  }
}
