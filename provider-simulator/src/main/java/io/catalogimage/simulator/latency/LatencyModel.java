package io.catalogimage.simulator.latency;

import io.catalogimage.simulator.config.LatencyDistribution;
import io.catalogimage.simulator.config.LatencySettings;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.fault.Hashing;
import java.time.Duration;

/**
 * Turns a call's draw into a delay: lognormal from the model x size median and p95, times the peak
 * factor and the global time scale. Quota rejections are immediate; quick failures use the fast
 * range; a deadline error waits for the p95.
 */
public final class LatencyModel {
  /** z-score of the 95th percentile of a standard normal. */
  private static final double Z95 = 1.6448536269514722;

  private LatencyModel() {}

  public static Duration sample(
      LatencySettings settings,
      double timeScale,
      double peakFactor,
      String model,
      String sizeKey,
      FaultKind.Latency kind,
      long draw) {
    if (kind == FaultKind.Latency.NONE || timeScale == 0) {
      return Duration.ZERO;
    }
    if (settings.fixed() != null) {
      return scale(settings.fixed().toNanos(), timeScale);
    }
    double nanos =
        switch (kind) {
          case FAST -> {
            double lo = settings.fastMin().toNanos();
            double hi = settings.fastMax().toNanos();
            yield lo + (hi - lo) * Hashing.unit(Hashing.mix(draw ^ 0x51L));
          }
          case DEADLINE -> settings.distributionFor(model, sizeKey).p95().toNanos();
          default -> lognormal(settings.distributionFor(model, sizeKey), draw);
        };
    return scale(nanos, timeScale * peakFactor);
  }

  private static double lognormal(LatencyDistribution d, long draw) {
    double median = d.median().toNanos();
    double p95 = d.p95().toNanos();
    if (median <= 0 || p95 <= median) {
      return median;
    }
    double sigma = Math.log(p95 / median) / Z95;
    // Box-Muller from two independent uniforms derived from the draw; u1 in (0, 1].
    double u1 = 1.0 - Hashing.unit(Hashing.mix(draw ^ 0x1L));
    double u2 = Hashing.unit(Hashing.mix(draw ^ 0x2L));
    double z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    // Cap the tail at 2 x p95: a real client times out long before an unbounded lognormal ends.
    return Math.min(median * Math.exp(sigma * z), 2 * p95);
  }

  private static Duration scale(double nanos, double factor) {
    return Duration.ofNanos(Math.max(0, Math.round(nanos * factor)));
  }
}
