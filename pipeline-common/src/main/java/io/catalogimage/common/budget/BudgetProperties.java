package io.catalogimage.common.budget;

import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Budgets per model, shared by every worker replica through PostgreSQL.
 *
 * @param defaults limits every model gets unless {@code models.<id>} overrides them (default: none)
 * @param models per-model overrides, by model id (ids with dots in brackets: {@code
 *     models[gemini-3.1-flash-image]})
 * @param utilization share of a configured rate the pipeline plans for (default 0.99): the rest
 *     absorbs network jitter between our clock and the provider's 60 s windows
 * @param reservationHorizon how far ahead a worker may book call slots (default 3s); a longer wait
 *     is answered "wait", and the worker asks again then
 * @param handBackAfter a budget wait longer than this hands the item back to the queue with a
 *     {@code not_before} instead of holding it in memory (default 60s)
 * @param learning how the rate in use follows what the provider really grants
 * @param exhaustedReprobe how long after the provider said a daily quota is used up one call (one
 *     across every worker) goes to the model anyway (default 5m; 0 = never, wait for the reset): a
 *     success makes the model usable again for everyone, another daily-quota 429 doubles the pause
 * @param exhaustedReprobeMax the longest pause between two such calls (default 1h)
 */
@ConfigurationProperties("pipeline.budgets")
public record BudgetProperties(
    ModelBudget defaults,
    Map<String, ModelBudget> models,
    Double utilization,
    Duration reservationHorizon,
    Duration handBackAfter,
    Learning learning,
    Duration exhaustedReprobe,
    Duration exhaustedReprobeMax) {

  public BudgetProperties {
    defaults = defaults == null ? new ModelBudget(null, null, null, null, null, null) : defaults;
    models = models == null ? Map.of() : Map.copyOf(models);
    utilization = utilization == null ? 0.99 : utilization;
    reservationHorizon = reservationHorizon == null ? Duration.ofSeconds(3) : reservationHorizon;
    handBackAfter = handBackAfter == null ? Duration.ofSeconds(60) : handBackAfter;
    learning = learning == null ? Learning.defaults() : learning;
    exhaustedReprobe = exhaustedReprobe == null ? Duration.ofMinutes(5) : exhaustedReprobe;
    exhaustedReprobeMax = exhaustedReprobeMax == null ? Duration.ofHours(1) : exhaustedReprobeMax;
    if (exhaustedReprobe.isNegative() || exhaustedReprobeMax.compareTo(exhaustedReprobe) < 0) {
      throw new IllegalArgumentException(
          "pipeline.budgets.exhausted-reprobe must be 0 or positive and at most"
              + " exhausted-reprobe-max");
    }
    if (utilization <= 0 || utilization > 1) {
      throw new IllegalArgumentException("pipeline.budgets.utilization must be in (0, 1]");
    }
    defaults.validate("pipeline.budgets.defaults");
    models.forEach((id, b) -> b.validate("pipeline.budgets.models." + id));
  }

  /**
   * Fails start-up on a budget for a model the catalog does not know: usually a model id with dots
   * written without brackets ({@code models.gemini-3.1-flash-image.x} binds as model "gemini-3").
   */
  public void requireKnownModels(Predicate<String> known) {
    for (String id : models.keySet()) {
      if (!known.test(id)) {
        throw new IllegalArgumentException(
            "pipeline.budgets.models names '"
                + id
                + "', which is no model of the catalog; ids with dots need brackets:"
                + " pipeline.budgets.models[gemini-3.1-flash-image].requests-per-minute=300, or in"
                + " YAML a key \"[gemini-3.1-flash-image]\"");
      }
    }
  }

  /** The effective budget of a model: its overrides over the defaults. */
  public ModelBudget forModel(String model) {
    ModelBudget own = models.get(model);
    return own == null ? defaults : own.over(defaults);
  }

  /**
   * How a budget learns the rate the provider really grants (docs/decisions.md, 2026-12-05): the
   * configured rate is the ceiling; below it the budget holds just under the limit it last measured
   * (the calls the provider accepted in the 60 s before its 429s became dense), probes above it now
   * and then, and follows it down and up. Isolated 429s (a provider that refuses a few percent of
   * calls whatever the quota) only delay the call that got them.
   *
   * @param enabled false: always the configured rate; every 429's retry delay holds back every
   *     caller (default true)
   * @param margin how far below the measured limit the budget holds (default 0.02)
   * @param probeEvery how long after a measurement the budget probes above the limit again (default
   *     15s); doubled each time a probe finds the same limit, up to {@code probeEveryMax}
   * @param probeEveryMax the longest pause between probes (default 30s): how late a recovered quota
   *     can be noticed
   * @param probeStep a probe fills the 60 s window towards the limit x (1 + probeStep), and climbs
   *     by as much again each time the window holds 2% more than the limit without 429s (default
   *     0.75)
   * @param randomShare share of calls a provider answers 429 whatever its quota, assumed until
   *     measured (default 0.1; measured while the budget holds below the limit)
   * @param strictness standard deviations above the random share that make 429s a quota (default
   *     4.0)
   * @param historyWeight weight of each busy minute in the learnt rate per hour of the day (default
   *     0.05: one hour of today weighs 95%)
   */
  public record Learning(
      Boolean enabled,
      Double margin,
      Duration probeEvery,
      Duration probeEveryMax,
      Double probeStep,
      Double randomShare,
      Double strictness,
      Double historyWeight) {
    public Learning {
      enabled = enabled == null || enabled;
      margin = margin == null ? 0.02 : margin;
      probeEvery = probeEvery == null ? Duration.ofSeconds(15) : probeEvery;
      probeEveryMax = probeEveryMax == null ? Duration.ofSeconds(30) : probeEveryMax;
      probeStep = probeStep == null ? 0.75 : probeStep;
      randomShare = randomShare == null ? 0.1 : randomShare;
      strictness = strictness == null ? 4.0 : strictness;
      historyWeight = historyWeight == null ? 0.05 : historyWeight;
      if (margin < 0 || margin >= 0.5) {
        throw new IllegalArgumentException("pipeline.budgets.learning.margin must be in [0, 0.5)");
      }
      if (probeEvery.isNegative()
          || probeEvery.isZero()
          || probeEveryMax.compareTo(probeEvery) < 0) {
        throw new IllegalArgumentException(
            "pipeline.budgets.learning: probe-every must be positive and at most probe-every-max");
      }
      if (probeStep <= 0 || randomShare < 0 || randomShare >= 1 || strictness <= 0) {
        throw new IllegalArgumentException(
            "pipeline.budgets.learning: probe-step > 0, random-share in [0, 1), strictness > 0");
      }
      if (historyWeight <= 0 || historyWeight > 1) {
        throw new IllegalArgumentException(
            "pipeline.budgets.learning.history-weight must be in (0, 1]");
      }
    }

    public static Learning defaults() {
      return new Learning(null, null, null, null, null, null, null, null);
    }
  }
}
