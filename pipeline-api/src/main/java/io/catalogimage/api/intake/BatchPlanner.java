package io.catalogimage.api.intake;

import io.catalogimage.api.budget.LearntRates;
import io.catalogimage.api.budget.PeakHours;
import io.catalogimage.api.dispatch.DispatchProperties;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.budget.ModelBudget;
import io.catalogimage.common.catalog.Tiers;
import io.catalogimage.common.model.ImageModel;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.OptionalDouble;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Estimates when a batch will be done: the open items of its tier ahead of it plus its own, minute
 * by minute at the rate the tier's first model can be planned with (the rate its budget learnt for
 * that hour of the day, else the rate in use now, never above the configured one; the peak rate
 * inside peak windows), its daily quota counted, its lane waiting out peak windows (configured or
 * learnt) unless its deadline needs them. A batch whose estimate passes its deadline is flagged at
 * once.
 */
@Component
class BatchPlanner {

  private static final String OPEN_ITEMS_OF_TIER =
      """
      SELECT count(*) FROM items i JOIN batches b ON b.batch_id = i.batch_id
       WHERE i.state IN ('QUEUED', 'DISPATCHED', 'RUNNING') AND b.tier = :tier
      """;

  /** Simulated minute by minute this far; beyond, the last day's pace is extrapolated. */
  private static final Duration HORIZON = Duration.ofDays(14);

  private final Tiers tiers;
  private final BudgetProperties budgets;
  private final PeakHours peak;
  private final LearntRates rates;
  private final JdbcClient jdbc;
  private final DispatchProperties dispatch;

  BatchPlanner(
      Tiers tiers,
      BudgetProperties budgets,
      PeakHours peak,
      LearntRates rates,
      DispatchProperties dispatch,
      JdbcClient jdbc) {
    this.dispatch = dispatch;
    this.tiers = tiers;
    this.budgets = budgets;
    this.peak = peak;
    this.rates = rates;
    this.jdbc = jdbc;
  }

  BatchPlan plan(ValidSubmission s, Instant now) {
    return plan(s, s.itemCount(), now);
  }

  /** For an upload, whose items are counted while it is read rather than held. */
  BatchPlan plan(ValidSubmission s, long itemCount, Instant now) {
    VariantSpec first = s.spec().variants().get(0);
    List<ImageModel> chain = tiers.capable(s.tier(), first.size(), first.aspectRatio());
    String model = chain.get(0).id();
    List<LearntRates.ModelRate> modelRates = rates.of(chain.stream().map(ImageModel::id).toList());
    ModelBudget budget = budgets.forModel(model);
    Instant start = s.startAfter() != null && s.startAfter().isAfter(now) ? s.startAfter() : now;
    boolean deferred = false;
    if (peak.defers(s.lane())) {
      Instant end = peak.currentWindowEnd(start).orElse(null);
      if (end != null && !dispatch.deadlineNeedsPeak(s.deadline(), end)) {
        start = end;
        deferred = true;
      }
    }
    OptionalDouble startRpm = rates.plannedRpm(model, start);
    if (startRpm.isEmpty()) {
      return new BatchPlan(
          null,
          "no rate is configured for "
              + model
              + ": set pipeline.budgets.models["
              + model
              + "].requests-per-minute for an ETA",
          null,
          modelRates);
    }
    long ahead = jdbc.sql(OPEN_ITEMS_OF_TIER).param("tier", s.tier()).query(Long.class).single();
    long total = ahead + itemCount;
    Instant eta = finish(s, model, budget, start, total);
    Integer configured = budget.rateAt(peak.isPeak(start));
    double perMinute = startRpm.getAsDouble() * budgets.utilization();
    Integer perDay = budget.requestsPerDay();
    String basis =
        String.format(
            "%d items (%d of tier %s ahead) on %s at %.0f requests/min%s%s%s",
            itemCount,
            ahead,
            s.tier(),
            model,
            perMinute,
            startRpm.getAsDouble() < configured
                ? " (learnt from the provider; configured " + configured + ")"
                : "",
            perDay == null ? "" : ", " + perDay + " a day",
            deferred ? ", starting after the peak window at " + start : "");
    String atRisk = null;
    if (s.deadline() != null && eta.isAfter(s.deadline())) {
      atRisk =
          "the estimated finish "
              + eta
              + " is after the deadline "
              + s.deadline()
              + " by "
              + late(Duration.between(s.deadline(), eta))
              + " ("
              + basis
              + ")";
    }
    return new BatchPlan(eta, basis, atRisk, modelRates);
  }

  /** A lateness in words: "2h 05m", "40m", "under a minute". */
  static String late(Duration by) {
    long minutes = (long) Math.ceil(by.toSeconds() / 60.0);
    if (minutes < 1) {
      return "under a minute";
    }
    return minutes < 60 ? minutes + "m" : String.format("%dh %02dm", minutes / 60, minutes % 60);
  }

  /**
   * When {@code total} calls are done from {@code start}: minute by minute at the planned rate,
   * skipping the peak windows a deferred lane waits out and the rest of a day whose quota is used.
   */
  private Instant finish(
      ValidSubmission s, String model, ModelBudget budget, Instant start, long total) {
    double remaining = total;
    Instant t = start;
    Instant horizon = start.plus(HORIZON);
    Integer perDay = budget.requestsPerDay();
    LocalDate day = LocalDate.ofInstant(t, budget.zone());
    double usedToday = 0;
    double doneLastDay = 0;
    while (remaining > 0 && t.isBefore(horizon)) {
      if (peak.defers(s.lane())) {
        Instant end = peak.currentWindowEnd(t).orElse(null);
        if (end != null && !dispatch.deadlineNeedsPeak(s.deadline(), end)) {
          t = end;
          continue;
        }
      }
      LocalDate today = LocalDate.ofInstant(t, budget.zone());
      if (!today.equals(day)) {
        day = today;
        usedToday = 0;
      }
      double perMinute = rates.plannedRpm(model, t).orElse(0) * budgets.utilization();
      if (perDay != null) {
        perMinute = Math.min(perMinute, perDay - usedToday);
      }
      if (perMinute <= 0) {
        t = day.plusDays(1).atStartOfDay(budget.zone()).toInstant(); // the daily quota is used
        continue;
      }
      if (remaining <= perMinute) {
        return t.plusMillis((long) Math.ceil(remaining / perMinute * 60_000));
      }
      remaining -= perMinute;
      usedToday += perMinute;
      if (t.isAfter(horizon.minus(Duration.ofDays(1)))) {
        doneLastDay += perMinute;
      }
      t = t.plus(Duration.ofMinutes(1));
    }
    if (remaining <= 0) {
      return t;
    }
    double perMinute = Math.max(doneLastDay / (24 * 60), 1e-6);
    return t.plusSeconds(
        (long) Math.min(remaining / perMinute * 60, Duration.ofDays(3650).toSeconds()));
  }
}
