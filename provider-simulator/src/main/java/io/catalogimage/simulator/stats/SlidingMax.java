package io.catalogimage.simulator.stats;

/**
 * The highest count seen in any 60 consecutive one-second buckets of real time. Buckets are a ring
 * indexed by epoch second; the max is updated on every event, so reading it is free.
 */
final class SlidingMax {
  private static final int SECONDS = 60;
  private final long[] counts = new long[SECONDS];
  private final long[] stamps = new long[SECONDS];
  private long max;

  synchronized void add(long epochSecond) {
    int i = (int) Math.floorMod(epochSecond, (long) SECONDS);
    if (stamps[i] != epochSecond) {
      stamps[i] = epochSecond;
      counts[i] = 0;
    }
    counts[i]++;
    long sum = 0;
    for (int j = 0; j < SECONDS; j++) {
      if (stamps[j] > epochSecond - SECONDS && stamps[j] <= epochSecond) {
        sum += counts[j];
      }
    }
    if (sum > max) {
      max = sum;
    }
  }

  synchronized long max() {
    return max;
  }
}
