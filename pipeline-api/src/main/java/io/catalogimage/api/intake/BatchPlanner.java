package io.catalogimage.api.intake;

import io.catalogimage.api.dispatch.DispatchProperties;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.budget.ModelBudget;
import io.catalogimage.common.calendar.PeakCalendar;
import io.catalogimage.common.catalog.Tiers;
import io.catalogimage.common.model.ImageModel;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Estimates when a batch will be done: the open items of its tier ahead of it plus its own, at the
 * budget of the tier's first model (its peak rate inside a peak window, its daily quota counted),
 * starting when its lane may start. A batch whose estimate passes its deadline is flagged at once.
 */
@Component
class BatchPlanner {

  private static final String OPEN_ITEMS_OF_TIER =
      """
      SELECT count(*) FROM items i JOIN batches b ON b.batch_id = i.batch_id
       WHERE i.state IN ('QUEUED', 'DISPATCHED', 'RUNNING') AND b.tier = :tier
      """;

  private final Tiers tiers;
  private final BudgetProperties budgets;
  private final PeakCalendar peak;
  private final JdbcClient jdbc;

  private final DispatchProperties dispatch;

  BatchPlanner(
      Tiers tiers,
      BudgetProperties budgets,
      PeakCalendar peak,
      DispatchProperties dispatch,
      JdbcClient jdbc) {
    this.dispatch = dispatch;
    this.tiers = tiers;
    this.budgets = budgets;
    this.peak = peak;
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
    Integer rpm = budget.rateAt(peak.isPeak(start));
    if (rpm == null) {
      return new BatchPlan(
          null,
          "no rate is configured for "
              + model
              + ": set pipeline.budgets.models["
              + model
              + "].requests-per-minute for an ETA",
          null);
    }
    long ahead = jdbc.sql(OPEN_ITEMS_OF_TIER).param("tier", s.tier()).query(Long.class).single();
    long total = ahead + itemCount;
    double perMinute = rpm * budgets.utilization();
    Instant eta = start.plus(minutes(total / perMinute));
    Integer perDay = budget.requestsPerDay();
    if (perDay != null && total > perDay) {
      long fullDays = (total - 1) / perDay;
      Instant reset =
          LocalDate.ofInstant(start, budget.zone())
              .plusDays(fullDays)
              .atStartOfDay(budget.zone())
              .toInstant();
      Instant last = reset.plus(minutes((total - fullDays * perDay) / perMinute));
      eta = last.isAfter(eta) ? last : eta;
    }
    String basis =
        String.format(
            "%d items (%d of tier %s ahead) on %s at %.0f requests/min%s%s",
            itemCount,
            ahead,
            s.tier(),
            model,
            perMinute,
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
    return new BatchPlan(eta, basis, atRisk);
  }

  /** A lateness in words: "2h 05m", "40m", "under a minute". */
  static String late(Duration by) {
    long minutes = (long) Math.ceil(by.toSeconds() / 60.0);
    if (minutes < 1) {
      return "under a minute";
    }
    return minutes < 60 ? minutes + "m" : String.format("%dh %02dm", minutes / 60, minutes % 60);
  }

  private static Duration minutes(double minutes) {
    return Duration.ofMillis((long) Math.ceil(minutes * 60_000));
  }
}
