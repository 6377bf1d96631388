package io.catalogimage.simulator.config;

/**
 * Quota of one project on one model. {@code 0} in any field means "limit: 0" (no entitlement).
 *
 * @param rpm requests per minute (sliding 60 s window of accepted requests)
 * @param ipm images per minute (sliding 60 s window)
 * @param rpd requests per day (resets at 00:00 America/Los_Angeles)
 */
public record QuotaLimits(long rpm, long ipm, long rpd) {
  /**
   * So generous that tests and benchmarks which do not care are never throttled, even at the
   * simulator's full speed (thousands of calls per second); tests of quota behaviour set their own.
   */
  public static final QuotaLimits GENEROUS = new QuotaLimits(1_000_000, 1_000_000, 100_000_000);

  public QuotaLimits {
    if (rpm < 0 || ipm < 0 || rpd < 0) {
      throw new IllegalArgumentException(
          "quota limits must be >= 0 (0 means no entitlement): rpm=%d ipm=%d rpd=%d"
              .formatted(rpm, ipm, rpd));
    }
  }

  /**
   * Scaled for peak hours. A zero limit stays zero; any other limit stays at least 1, so a peak
   * never turns a paid quota into "no entitlement".
   */
  public QuotaLimits scaled(double minuteFactor, double dayFactor) {
    return new QuotaLimits(
        scale(rpm, minuteFactor), scale(ipm, minuteFactor), scale(rpd, dayFactor));
  }

  private static long scale(long limit, double factor) {
    if (limit == 0 || factor == 1.0) {
      return limit;
    }
    return Math.max(1, (long) Math.floor(limit * factor));
  }
}
