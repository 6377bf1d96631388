package io.catalogimage.simulator.config;

import io.catalogimage.simulator.fault.FaultKind;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Off-peak fault injection (peak extras live in {@link PeakProfile}).
 *
 * @param triggers whether {@code [sim:KIND]} trigger words in prompts are honoured
 * @param rates probability per request of each kind, for every model
 * @param models per-model rates; a kind listed here replaces the global rate for that model
 * @param hangFor how long a {@code HANG} holds its connection before closing it unanswered (default
 *     10m; not scaled by {@code timeScale}: a hang is a hang)
 */
public record FaultSettings(
    boolean triggers,
    Map<FaultKind, Double> rates,
    Map<String, Map<FaultKind, Double>> models,
    Duration hangFor) {

  public static final Duration DEFAULT_HANG = Duration.ofMinutes(10);

  public FaultSettings(
      boolean triggers, Map<FaultKind, Double> rates, Map<String, Map<FaultKind, Double>> models) {
    this(triggers, rates, models, DEFAULT_HANG);
  }

  public FaultSettings {
    hangFor = hangFor == null ? DEFAULT_HANG : hangFor;
    if (hangFor.isNegative()) {
      throw new IllegalArgumentException("faults.hangFor must not be negative: " + hangFor);
    }
    rates = Maps.copy(rates);
    models = Maps.copyNested(models);
    checkRates(rates, "faults.rates");
    models.forEach((m, r) -> checkRates(r, "faults.models." + m));
  }

  /** Triggers on, no random faults: outside peak hours every call succeeds unless told not to. */
  public static FaultSettings standard() {
    return new FaultSettings(true, Map.of(), Map.of());
  }

  public double rateFor(String model, FaultKind kind) {
    Map<FaultKind, Double> perModel = models.get(model);
    if (perModel != null && perModel.containsKey(kind)) {
      return perModel.get(kind);
    }
    return rates.getOrDefault(kind, 0.0);
  }

  public FaultSettings withRate(FaultKind kind, double rate) {
    Map<FaultKind, Double> copy = new LinkedHashMap<>(rates);
    copy.put(kind, rate);
    return new FaultSettings(triggers, copy, models, hangFor);
  }

  public FaultSettings withRate(String model, FaultKind kind, double rate) {
    Map<String, Map<FaultKind, Double>> copy = new LinkedHashMap<>();
    models.forEach((k, v) -> copy.put(k, new LinkedHashMap<>(v)));
    copy.computeIfAbsent(model, k -> new LinkedHashMap<>()).put(kind, rate);
    return new FaultSettings(triggers, rates, copy, hangFor);
  }

  public FaultSettings withTriggers(boolean on) {
    return new FaultSettings(on, rates, models, hangFor);
  }

  public FaultSettings withHangFor(Duration hang) {
    return new FaultSettings(triggers, rates, models, hang);
  }

  static void checkRates(Map<FaultKind, Double> rates, String where) {
    double sum = 0;
    for (Map.Entry<FaultKind, Double> e : rates.entrySet()) {
      double r = e.getValue();
      if (r < 0 || r > 1 || Double.isNaN(r)) {
        throw new IllegalArgumentException(where + "." + e.getKey() + " must be in [0, 1]: " + r);
      }
      sum += r;
    }
    if (sum > 1.0 + 1e-9) {
      throw new IllegalArgumentException(where + " add up to more than 1: " + sum);
    }
  }
}
