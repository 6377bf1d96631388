package io.catalogimage.simulator.config;

import io.catalogimage.simulator.fault.FaultKind;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How one model behaves during peak hours.
 *
 * @param quotaFactor multiplies the per-minute quotas (rpm, ipm)
 * @param dailyQuotaFactor multiplies the per-day quota (the "daily quota lowered dynamically")
 * @param latencyFactor multiplies the latency
 * @param faultRates extra fault probabilities added to the off-peak rates
 */
public record PeakProfile(
    double quotaFactor,
    double dailyQuotaFactor,
    double latencyFactor,
    Map<FaultKind, Double> faultRates) {

  /** No change: what every model gets outside peak hours. */
  public static final PeakProfile NEUTRAL = new PeakProfile(1.0, 1.0, 1.0, Map.of());

  public PeakProfile {
    if (quotaFactor < 0 || dailyQuotaFactor < 0 || latencyFactor < 0) {
      throw new IllegalArgumentException("peak factors must be >= 0");
    }
    faultRates = Maps.copy(faultRates);
    FaultSettings.checkRates(faultRates, "peak faults");
  }

  public double faultRate(FaultKind kind) {
    return faultRates.getOrDefault(kind, 0.0);
  }

  public PeakProfile withFaultRate(FaultKind kind, double rate) {
    Map<FaultKind, Double> copy = new LinkedHashMap<>(faultRates);
    copy.put(kind, rate);
    return new PeakProfile(quotaFactor, dailyQuotaFactor, latencyFactor, copy);
  }
}
