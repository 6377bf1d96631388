package io.catalogimage.worker.provider;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How long a call may take before it is abandoned: per model and size, from the latency that model
 * really shows (a hung model is given up in seconds to tens of seconds, not minutes), bounded, and
 * never longer than the endpoint's {@code request-timeout}.
 *
 * @param multiplier timeout = this x the observed percentile (default 3)
 * @param percentile of the latencies of successful calls (default 0.95)
 * @param min shortest timeout ever used (default 10s)
 * @param max longest timeout a learnt value may reach (default 180s; the endpoint's request-timeout
 *     caps it too)
 * @param window successful calls remembered per model and size (default 200)
 * @param minSamples calls needed before the learnt value replaces the initial one (default 20)
 * @param initial timeout per size until enough calls were seen (default 512: 30s, 1K: 60s, 2K: 90s,
 *     4K: 150s, from the field reports' worst latencies; other sizes 90s); a size set here
 *     overrides its default only, e.g. {@code pipeline.timeouts.initial[1K]=20s}
 * @param stretchAfter timeouts in a row on a model (at one size) after which one call at a time is
 *     let wait longer (default 3; 0 = never): twice the timeout, doubling after each such call that
 *     times out too, up to the endpoint's {@code request-timeout}. A model that merely slowed down
 *     answers within it and its new latency is learnt; one that still times out at the endpoint's
 *     timeout is hung, and is tried that way again only after {@code hung-retry}
 * @param hungRetry how long a model found hung waits before its timeout is stretched again (default
 *     10m)
 */
@ConfigurationProperties("pipeline.timeouts")
public record TimeoutProperties(
    Double multiplier,
    Double percentile,
    Duration min,
    Duration max,
    Integer window,
    Integer minSamples,
    Map<String, Duration> initial,
    Integer stretchAfter,
    Duration hungRetry) {

  public static final Duration DEFAULT_INITIAL = Duration.ofSeconds(90);

  public TimeoutProperties {
    multiplier = multiplier == null ? 3.0 : multiplier;
    percentile = percentile == null ? 0.95 : percentile;
    min = min == null ? Duration.ofSeconds(10) : min;
    max = max == null ? Duration.ofSeconds(180) : max;
    window = window == null ? 200 : window;
    minSamples = minSamples == null ? 20 : minSamples;
    stretchAfter = stretchAfter == null ? 3 : stretchAfter;
    hungRetry = hungRetry == null ? Duration.ofMinutes(10) : hungRetry;
    Map<String, Duration> sizes = new LinkedHashMap<>();
    sizes.put("512", Duration.ofSeconds(30));
    sizes.put("1K", Duration.ofSeconds(60));
    sizes.put("2K", Duration.ofSeconds(90));
    sizes.put("4K", Duration.ofSeconds(150));
    if (initial != null) {
      // sizes set override their default one by one; keys match whatever their case
      initial.forEach((size, d) -> sizes.put(size.toUpperCase(java.util.Locale.ROOT), d));
    }
    initial = Map.copyOf(sizes);
    if (multiplier < 1 || percentile <= 0 || percentile > 1) {
      throw new IllegalArgumentException(
          "pipeline.timeouts.multiplier must be at least 1 and percentile in (0, 1]");
    }
    if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          "pipeline.timeouts.min must be positive and max at least min");
    }
    if (stretchAfter < 0 || hungRetry.isNegative()) {
      throw new IllegalArgumentException(
          "pipeline.timeouts.stretch-after and hung-retry must not be negative");
    }
    if (window < 1 || minSamples < 1 || minSamples > window) {
      throw new IllegalArgumentException(
          "pipeline.timeouts.window and min-samples must be positive, min-samples <= window");
    }
  }

  public static TimeoutProperties defaults() {
    return new TimeoutProperties(null, null, null, null, null, null, null, null, null);
  }

  public Duration initialFor(String size) {
    return size == null
        ? DEFAULT_INITIAL
        : initial.getOrDefault(size.toUpperCase(java.util.Locale.ROOT), DEFAULT_INITIAL);
  }
}
