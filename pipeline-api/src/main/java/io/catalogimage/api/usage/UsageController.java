package io.catalogimage.api.usage;

import io.catalogimage.api.budget.LearntRates;
import io.catalogimage.api.input.Ranges;
import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/usage}: what the tenant's provider calls cost, from the ledger (one row per real
 * call), by model, by day (UTC) and by batch, for a range of days; and the rates the providers
 * really grant, as the budgets learnt them.
 */
@Tag(name = "Usage")
@RestController
class UsageController {

  private static final int MAX_DAYS = 366;
  private static final int MAX_BATCHES = 1000;

  /**
   * One group: calls made, images delivered, money.
   *
   * @param possiblyBilledUsd the part of {@code costUsd} charged at the estimate for calls whose
   *     outcome is unknown (timeout, connection lost after sending, a worker lost mid-call)
   */
  record Usage(
      String key, long calls, long images, BigDecimal costUsd, BigDecimal possiblyBilledUsd) {}

  /**
   * @param byBatch the {@value #MAX_BATCHES} most expensive batches of the range
   * @param possiblyBilledUsd the part of {@code costUsd} that is the estimate of calls whose
   *     outcome is unknown: the provider may or may not have charged them
   * @param rates per model and provider account: the configured rate, the rate learnt from the
   *     provider now and per hour of the day (UTC): what the provider really grants
   */
  record Report(
      LocalDate from,
      LocalDate to,
      long calls,
      long images,
      BigDecimal costUsd,
      BigDecimal possiblyBilledUsd,
      List<Usage> byModel,
      List<Usage> byDay,
      List<Usage> byBatch,
      List<LearntRates.ModelRate> rates) {}

  /**
   * The range's calls by model, day and batch: one pass over the ledger for all three views. Date
   * and uuid keys, not text: PostgreSQL then hashes the groups instead of sorting every call.
   */
  private static final String GROUPS =
      """
      SELECT model_requested AS model, CAST(started_at AT TIME ZONE 'UTC' AS date) AS day,
             batch_id AS batch, count(*) AS calls,
             count(*) FILTER (WHERE outcome = 'SUCCEEDED') AS images,
             coalesce(sum(cost_usd), 0) AS cost,
             coalesce(sum(cost_usd) FILTER (WHERE possibly_billed), 0) AS possibly
        FROM attempts WHERE tenant_id = :tenant AND started_at >= :from AND started_at < :to
       GROUP BY 1, 2, 3
      """;

  private static final Comparator<Usage> MOST_EXPENSIVE_FIRST =
      Comparator.comparing(Usage::costUsd).reversed().thenComparing(Usage::key);

  private final JdbcClient jdbc;
  private final Clock clock;
  private final LearntRates rates;
  private final ModelCatalog catalog;
  private final BudgetProperties budgets;

  UsageController(
      JdbcClient jdbc,
      Clock clock,
      LearntRates rates,
      ModelCatalog catalog,
      BudgetProperties budgets) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.rates = rates;
    this.catalog = catalog;
    this.budgets = budgets;
  }

  /**
   * One model's recent calls for the tenant.
   *
   * @param rateLimitedShare share of the calls answered 429 (0 to 1)
   * @param callsLastMinute the tenant's calls in the last minute, against {@code budgetRpm}
   * @param budgetRpm the model's configured requests per minute (shared by all tenants), or null
   *     when unlimited
   */
  record ModelActivity(
      String model,
      long calls,
      long rateLimited,
      double rateLimitedShare,
      long callsLastMinute,
      Integer budgetRpm) {}

  /** The answer of {@code GET /v1/usage/models}. */
  record Activity(int minutes, List<ModelActivity> models) {}

  private static final String RECENT =
      """
      SELECT model_requested AS model, count(*) AS calls,
             count(*) FILTER (WHERE outcome = 'RATE_LIMITED') AS limited,
             count(*) FILTER (WHERE started_at >= :minute) AS last_minute
        FROM attempts WHERE tenant_id = :tenant AND started_at >= :from
       GROUP BY 1 ORDER BY 1
      """;

  /**
   * The tenant's calls per model over the last minutes: how many, the share of 429s, and the last
   * minute's calls against the model's budget (the dashboard's "budget use and 429 rate").
   *
   * @param minutes how far back (default 60, at most 1440)
   */
  @GetMapping("/v1/usage/models")
  Activity recentModels(TenantId tenant, @RequestParam(required = false) Integer minutes) {
    int span = minutes == null ? 60 : minutes;
    if (span < 1 || span > 1440) {
      throw ApiProblem.invalidParameter("minutes", "must be between 1 and 1440");
    }
    java.time.Instant now = clock.instant();
    List<ModelActivity> models =
        jdbc.sql(RECENT)
            .param("tenant", tenant.value())
            .param("from", Timestamp.from(now.minusSeconds(60L * span)))
            .param("minute", Timestamp.from(now.minusSeconds(60)))
            .query(
                (rs, i) -> {
                  long calls = rs.getLong("calls");
                  long limited = rs.getLong("limited");
                  String model = rs.getString("model");
                  return new ModelActivity(
                      model,
                      calls,
                      limited,
                      calls == 0 ? 0 : (double) limited / calls,
                      rs.getLong("last_minute"),
                      budgets.forModel(model).requestsPerMinute());
                })
            .list();
    return new Activity(span, models);
  }

  /**
   * Calls made, images delivered and money, by model, by day (UTC) and by batch, from the ledger
   * (one row per real provider call).
   *
   * @param from first day (UTC, inclusive; default the first of this month)
   * @param to last day (UTC, inclusive; default today)
   */
  @GetMapping("/v1/usage")
  Report usage(
      TenantId tenant,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to) {
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    LocalDate first = date("from", from, today.withDayOfMonth(1));
    LocalDate last = date("to", to, today);
    if (last.isBefore(first)) {
      throw ApiProblem.invalidParameter("to", "is before 'from'");
    }
    if (first.plusDays(MAX_DAYS).isBefore(last)) {
      throw ApiProblem.invalidParameter("to", "at most " + MAX_DAYS + " days per report");
    }
    Timestamp start = Timestamp.from(first.atStartOfDay().toInstant(ZoneOffset.UTC));
    Timestamp end = Timestamp.from(last.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC));
    Map<String, Usage> models = new HashMap<>();
    Map<String, Usage> days = new TreeMap<>();
    Map<String, Usage> batches = new HashMap<>();
    jdbc.sql(GROUPS)
        .param("tenant", tenant.value())
        .param("from", start)
        .param("to", end)
        .query(
            (ResultSet rs) -> {
              long n = rs.getLong("calls");
              long images = rs.getLong("images");
              BigDecimal money = rs.getBigDecimal("cost");
              BigDecimal possibly = rs.getBigDecimal("possibly");
              add(models, rs.getString("model"), n, images, money, possibly);
              add(
                  days,
                  rs.getObject("day", LocalDate.class).toString(),
                  n,
                  images,
                  money,
                  possibly);
              add(
                  batches,
                  rs.getObject("batch", UUID.class).toString(),
                  n,
                  images,
                  money,
                  possibly);
            });
    List<Usage> byModel = models.values().stream().sorted(MOST_EXPENSIVE_FIRST).limit(100).toList();
    List<Usage> byDay = List.copyOf(days.values());
    List<Usage> byBatch =
        batches.values().stream().sorted(MOST_EXPENSIVE_FIRST).limit(MAX_BATCHES).toList();
    long calls = byModel.stream().mapToLong(Usage::calls).sum();
    long images = byModel.stream().mapToLong(Usage::images).sum();
    BigDecimal cost = byModel.stream().map(Usage::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    BigDecimal possibly =
        byModel.stream().map(Usage::possiblyBilledUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    List<String> ids = catalog.models().stream().map(ImageModel::id).toList();
    return new Report(
        first, last, calls, images, cost, possibly, byModel, byDay, byBatch, rates.of(ids));
  }

  private static void add(
      Map<String, Usage> groups,
      String key,
      long calls,
      long images,
      BigDecimal cost,
      BigDecimal possibly) {
    groups.merge(
        key,
        new Usage(key, calls, images, cost, possibly),
        (a, b) ->
            new Usage(
                key,
                a.calls() + b.calls(),
                a.images() + b.images(),
                a.costUsd().add(b.costUsd()),
                a.possiblyBilledUsd().add(b.possiblyBilledUsd())));
  }

  private static LocalDate date(String name, String text, LocalDate fallback) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    LocalDate day;
    try {
      day = LocalDate.parse(text.strip());
    } catch (DateTimeParseException e) {
      throw ApiProblem.invalidParameter(name, "'" + text + "' is not a date like 2026-11-30");
    }
    Ranges.date(day)
        .ifPresent(
            why -> {
              throw ApiProblem.invalidParameter(name, why);
            });
    return day;
  }
}
