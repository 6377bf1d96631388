package io.catalogimage.worker.budget;

import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.budget.ModelBudget;
import io.catalogimage.common.calendar.PeakCalendar;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * The budgets of all models on all provider accounts, as this worker sees them: asks the shared
 * store whether a call may go, and tells it what the provider answered (429s lower the rate,
 * successes raise it back, a used-up daily quota parks everyone until the reset).
 */
@Component
public class Budgets {

  private final BudgetProperties props;
  private final PeakCalendar peak;
  private final BudgetStore store;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Map<String, AtomicInteger> successes = new ConcurrentHashMap<>();
  private final Map<String, double[]> rates = new ConcurrentHashMap<>();
  private final Map<String, Instant> exhaustedUntil = new ConcurrentHashMap<>();

  public Budgets(
      BudgetProperties props,
      PeakCalendar peak,
      BudgetStore store,
      Clock clock,
      MeterRegistry meters) {
    this.props = props;
    this.peak = peak;
    this.store = store;
    this.clock = clock;
    this.meters = meters;
  }

  public ModelBudget budgetOf(String model) {
    return props.forModel(model);
  }

  /** May a call to {@code model} on {@code endpoint} go, and when. */
  public BudgetAnswer acquire(String endpoint, String model) {
    ModelBudget budget = props.forModel(model);
    Instant now = clock.instant();
    Integer rpm = budget.rateAt(peak.isPeak(now));
    double interval = rpm == null ? 0 : 60_000.0 / (rpm * props.utilization());
    String key = key(endpoint, model);
    AtomicInteger counter = successes.get(key);
    int reported = counter == null ? 0 : counter.getAndSet(0);
    BudgetStore.Acquired a =
        store.acquire(
            key,
            now.toEpochMilli(),
            interval,
            budget.burstOrOne(),
            props.reservationHorizon().toMillis(),
            day(budget, now),
            budget.requestsPerDay() == null ? 0 : budget.requestsPerDay(),
            reported,
            props.aimd());
    observe(key, endpoint, model, rpm, a.factor());
    if (a.granted()) {
      return a.delayMs() == 0
          ? BudgetAnswer.Go.NOW
          : new BudgetAnswer.Go(Duration.ofMillis(a.delayMs()));
    }
    if (a.exhausted()) {
      Instant reset = nextReset(budget, now);
      return new BudgetAnswer.Wait(
          Duration.between(now, reset),
          "daily quota of " + model + " used up; it resets at " + reset,
          true);
    }
    long wait = Math.max(1, a.delayMs() - props.reservationHorizon().toMillis());
    return new BudgetAnswer.Wait(
        Duration.ofMillis(wait),
        "budget of "
            + model
            + " is booked "
            + Duration.ofMillis(a.delayMs()).toSeconds()
            + "s ahead",
        false);
  }

  /** A call succeeded: counts towards raising a lowered rate (reported with the next acquire). */
  public void succeeded(String endpoint, String model) {
    successes.computeIfAbsent(key(endpoint, model), k -> new AtomicInteger()).incrementAndGet();
  }

  /**
   * The provider answered 429 with this retry delay (or none): every replica lowers its rate and
   * waits that long before the next call to this model.
   */
  public void rateLimited(String endpoint, String model, Duration retryAfter) {
    Instant now = clock.instant();
    long until = retryAfter == null ? 0 : now.plus(retryAfter).toEpochMilli();
    String key = key(endpoint, model);
    AtomicInteger counter = successes.get(key);
    if (counter != null) {
      counter.set(0);
    }
    double factor = store.rateLimited(key, now.toEpochMilli(), until, props.aimd());
    ModelBudget budget = props.forModel(model);
    observe(key, endpoint, model, budget.rateAt(peak.isPeak(now)), factor);
  }

  /** The provider says the daily quota is used up: every replica parks until the reset. */
  public Instant dailyQuotaExhausted(String endpoint, String model) {
    ModelBudget budget = props.forModel(model);
    Instant now = clock.instant();
    store.dayExhausted(key(endpoint, model), day(budget, now));
    Instant reset = nextReset(budget, now);
    exhaustedUntil.put(key(endpoint, model), reset);
    return reset;
  }

  /**
   * For a slot booked before this worker learnt that the daily quota is used up: the wait until the
   * reset, or empty. Answered from memory, so a booked call re-checks for free; other replicas
   * learn it at their next ask.
   */
  public Optional<BudgetAnswer.Wait> exhausted(String endpoint, String model) {
    Instant until = exhaustedUntil.get(key(endpoint, model));
    Instant now = clock.instant();
    if (until == null || !now.isBefore(until)) {
      return Optional.empty();
    }
    return Optional.of(
        new BudgetAnswer.Wait(
            Duration.between(now, until),
            "daily quota of " + model + " used up; it resets at " + until,
            true));
  }

  /** When the daily quota of {@code model} is next reset. */
  public Instant nextReset(String model) {
    return nextReset(props.forModel(model), clock.instant());
  }

  static Instant nextReset(ModelBudget budget, Instant now) {
    ZoneId zone = budget.zone();
    return LocalDate.ofInstant(now, zone).plusDays(1).atStartOfDay(zone).toInstant();
  }

  static String day(ModelBudget budget, Instant now) {
    return LocalDate.ofInstant(now, budget.zone()).toString();
  }

  /** The budget of a model on one provider account (endpoint). */
  public static String key(String endpoint, String model) {
    return endpoint + "/" + model;
  }

  /**
   * Gauges per model: the AIMD factor, the rate in use and the configured one (requests per
   * minute).
   */
  private void observe(String key, String endpoint, String model, Integer rpm, double factor) {
    double[] state =
        rates.computeIfAbsent(
            key,
            k -> {
              double[] s = new double[3];
              Gauge.builder("pipeline.budget.rate_factor", s, v -> v[0])
                  .tags("model", model, "endpoint", endpoint)
                  .description("share of the configured rate in use after 429s (AIMD)")
                  .register(meters);
              Gauge.builder("pipeline.budget.effective_rpm", s, v -> v[1])
                  .tags("model", model, "endpoint", endpoint)
                  .description("requests per minute the budget allows now (NaN = unlimited)")
                  .register(meters);
              Gauge.builder("pipeline.budget.configured_rpm", s, v -> v[2])
                  .tags("model", model, "endpoint", endpoint)
                  .description("the model's configured requests per minute (NaN = unlimited)")
                  .register(meters);
              return s;
            });
    state[0] = factor;
    state[1] = rpm == null ? Double.NaN : rpm * props.utilization() * factor;
    state[2] = rpm == null ? Double.NaN : rpm;
  }
}
