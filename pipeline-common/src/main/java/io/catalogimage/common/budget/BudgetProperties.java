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
 * @param aimd how the rate follows the provider's 429s
 */
@ConfigurationProperties("pipeline.budgets")
public record BudgetProperties(
    ModelBudget defaults,
    Map<String, ModelBudget> models,
    Double utilization,
    Duration reservationHorizon,
    Duration handBackAfter,
    Aimd aimd) {

  public BudgetProperties {
    defaults = defaults == null ? new ModelBudget(null, null, null, null, null, null) : defaults;
    models = models == null ? Map.of() : Map.copyOf(models);
    utilization = utilization == null ? 0.99 : utilization;
    reservationHorizon = reservationHorizon == null ? Duration.ofSeconds(3) : reservationHorizon;
    handBackAfter = handBackAfter == null ? Duration.ofSeconds(60) : handBackAfter;
    aimd = aimd == null ? new Aimd(null, null, null, null, null, null, null) : aimd;
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
   * Additive increase, multiplicative decrease of the rate in use. A 429 cuts the rate only when
   * 429s have become dense: their share over about the last {@code window} calls reaches {@code
   * threshold}. Stray 429s (a provider overloaded at peak answers some calls 429 whatever the
   * quota) then cost a retry, not half the throughput.
   *
   * @param decrease factor applied on a cut (default 0.5)
   * @param floor lowest share of the configured rate (default 0.1)
   * @param step share added back after {@code recoverAfter} successes in a row (default 0.05)
   * @param recoverAfter successes without a 429 that earn one step (default 20)
   * @param cooldown 429s within this long of a decrease count as the same event (default 5s): a
   *     burst of answers to calls already in flight must not halve the rate ten times
   * @param window calls the share of 429s is averaged over (default 20)
   * @param threshold share of 429s that cuts the rate (default 0.12)
   */
  public record Aimd(
      Double decrease,
      Double floor,
      Double step,
      Integer recoverAfter,
      Duration cooldown,
      Integer window,
      Double threshold) {
    public Aimd {
      decrease = decrease == null ? 0.5 : decrease;
      floor = floor == null ? 0.1 : floor;
      step = step == null ? 0.05 : step;
      recoverAfter = recoverAfter == null ? 20 : recoverAfter;
      cooldown = cooldown == null ? Duration.ofSeconds(5) : cooldown;
      window = window == null ? 20 : window;
      threshold = threshold == null ? 0.12 : threshold;
      if (window < 1 || threshold <= 0 || threshold > 1) {
        throw new IllegalArgumentException(
            "pipeline.budgets.aimd: window at least 1, threshold in (0,1]");
      }
      if (decrease <= 0 || decrease >= 1 || floor <= 0 || floor > 1 || step <= 0) {
        throw new IllegalArgumentException(
            "pipeline.budgets.aimd: decrease in (0,1), floor in (0,1], step > 0");
      }
    }

    /** Weight of one call in the moving share of 429s. */
    public double alpha() {
      return 1.0 / window;
    }
  }
}
