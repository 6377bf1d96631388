package io.catalogimage.simulator.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Simulated latency. Every delay is multiplied by the global {@code timeScale} and, except a {@code
 * fixed} one, by the peak latency factor.
 *
 * @param fixed when set, every non-immediate answer takes exactly this long (capacity benchmarks)
 * @param fastMin lower bound of the quick failures (NO_IMAGE, PROMPT_BLOCKED, text-only refusal,
 *     503)
 * @param fastMax upper bound of the quick failures
 * @param fallback distribution for a model x size not listed in {@code models}
 * @param models model -> size key ("512", "1K", ..., or "*") -> distribution; OpenAI models use "*"
 */
public record LatencySettings(
    Duration fixed,
    Duration fastMin,
    Duration fastMax,
    LatencyDistribution fallback,
    Map<String, Map<String, LatencyDistribution>> models) {

  public static final String ANY_SIZE = "*";

  public LatencySettings {
    if (fastMin == null || fastMax == null || fastMax.compareTo(fastMin) < 0) {
      throw new IllegalArgumentException("latency.fast needs min <= max");
    }
    if (fixed != null && fixed.isNegative()) {
      throw new IllegalArgumentException("latency.fixed must be >= 0");
    }
    if (fallback == null) {
      throw new IllegalArgumentException("latency.default is required");
    }
    models = Maps.copyNested(models);
  }

  /** Defaults from the field reports (reference §8; all ❓ third-party figures). */
  public static LatencySettings standard() {
    Map<String, Map<String, LatencyDistribution>> models = new LinkedHashMap<>();
    models.put("gemini-2.5-flash-image", Map.of(ANY_SIZE, LatencyDistribution.of(5, 12)));
    Map<String, LatencyDistribution> pro = new LinkedHashMap<>();
    pro.put("1K", LatencyDistribution.of(12, 40));
    pro.put("2K", LatencyDistribution.of(12, 40));
    pro.put("4K", LatencyDistribution.of(20, 40));
    models.put("gemini-3-pro-image", pro);
    Map<String, LatencyDistribution> nb2 = new LinkedHashMap<>();
    nb2.put("512", LatencyDistribution.of(4, 9));
    nb2.put("1K", LatencyDistribution.of(7, 15));
    nb2.put("2K", LatencyDistribution.of(15, 30));
    nb2.put("4K", LatencyDistribution.of(35, 60));
    models.put("gemini-3.1-flash-image", nb2);
    for (String gpt : new String[] {"gpt-image-1", "gpt-image-1.5", "gpt-image-1-mini"}) {
      models.put(gpt, Map.of(ANY_SIZE, LatencyDistribution.of(20, 45)));
    }
    return new LatencySettings(
        null, Duration.ofSeconds(2), Duration.ofSeconds(4), LatencyDistribution.of(10, 30), models);
  }

  public LatencyDistribution distributionFor(String model, String sizeKey) {
    Map<String, LatencyDistribution> bySize = models.get(model);
    if (bySize == null) {
      return fallback;
    }
    LatencyDistribution exact = bySize.get(sizeKey);
    if (exact != null) {
      return exact;
    }
    return bySize.getOrDefault(ANY_SIZE, fallback);
  }

  public LatencySettings withFixed(Duration newFixed) {
    return new LatencySettings(newFixed, fastMin, fastMax, fallback, models);
  }

  public LatencySettings withFast(Duration min, Duration max) {
    return new LatencySettings(fixed, min, max, fallback, models);
  }

  public LatencySettings withModel(String model, String sizeKey, LatencyDistribution dist) {
    Map<String, Map<String, LatencyDistribution>> copy = new LinkedHashMap<>();
    models.forEach((k, v) -> copy.put(k, new LinkedHashMap<>(v)));
    copy.computeIfAbsent(model, k -> new LinkedHashMap<>()).put(sizeKey, dist);
    return new LatencySettings(fixed, fastMin, fastMax, fallback, copy);
  }
}
