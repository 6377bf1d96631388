package io.catalogimage.simulator.config;

import java.time.Duration;

/**
 * A lognormal latency given by its median and 95th percentile (sigma = ln(p95/median) / 1.645).
 * {@code p95 == median} gives a constant latency.
 */
public record LatencyDistribution(Duration median, Duration p95) {
  public LatencyDistribution {
    if (median == null || p95 == null || median.isNegative() || p95.compareTo(median) < 0) {
      throw new IllegalArgumentException(
          "latency needs 0 <= median <= p95: " + median + ", " + p95);
    }
  }

  public static LatencyDistribution of(double medianSeconds, double p95Seconds) {
    return new LatencyDistribution(
        Duration.ofMillis(Math.round(medianSeconds * 1000)),
        Duration.ofMillis(Math.round(p95Seconds * 1000)));
  }
}
