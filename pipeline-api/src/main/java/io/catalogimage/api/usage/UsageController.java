package io.catalogimage.api.usage;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.common.id.TenantId;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/usage}: what the tenant's provider calls cost, from the ledger (one row per real
 * call), by model, by day (UTC) and by batch, for a range of days.
 */
@Tag(name = "Usage")
@RestController
class UsageController {

  private static final int MAX_DAYS = 366;
  private static final int MAX_BATCHES = 1000;

  /** One group: calls made, images delivered, money. */
  record Usage(String key, long calls, long images, BigDecimal costUsd) {}

  /**
   * @param byBatch the {@value #MAX_BATCHES} most expensive batches of the range
   */
  record Report(
      LocalDate from,
      LocalDate to,
      long calls,
      long images,
      BigDecimal costUsd,
      List<Usage> byModel,
      List<Usage> byDay,
      List<Usage> byBatch) {}

  private static final String RANGE =
      " FROM attempts WHERE tenant_id = :tenant AND started_at >= :from AND started_at < :to ";

  private static final String MEASURES =
      " count(*) AS calls, count(*) FILTER (WHERE outcome = 'SUCCEEDED') AS images,"
          + " coalesce(sum(cost_usd), 0) AS cost ";

  private final JdbcClient jdbc;
  private final Clock clock;

  UsageController(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
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
    List<Usage> byModel =
        group(tenant, start, end, "model_requested", "model_requested", "cost DESC", 100);
    List<Usage> byDay =
        group(
            tenant,
            start,
            end,
            "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
            "1",
            "1",
            MAX_DAYS + 1);
    List<Usage> byBatch =
        group(tenant, start, end, "CAST(batch_id AS text)", "batch_id", "cost DESC", MAX_BATCHES);
    long calls = byModel.stream().mapToLong(Usage::calls).sum();
    long images = byModel.stream().mapToLong(Usage::images).sum();
    BigDecimal cost = byModel.stream().map(Usage::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    return new Report(first, last, calls, images, cost, byModel, byDay, byBatch);
  }

  private List<Usage> group(
      TenantId tenant,
      Timestamp from,
      Timestamp to,
      String key,
      String groupBy,
      String orderBy,
      int limit) {
    return jdbc.sql(
            "SELECT "
                + key
                + " AS k,"
                + MEASURES
                + RANGE
                + " GROUP BY "
                + groupBy
                + " ORDER BY "
                + orderBy
                + " LIMIT "
                + limit)
        .param("tenant", tenant.value())
        .param("from", from)
        .param("to", to)
        .query(
            (rs, i) ->
                new Usage(
                    rs.getString("k"),
                    rs.getLong("calls"),
                    rs.getLong("images"),
                    rs.getBigDecimal("cost")))
        .list();
  }

  private static LocalDate date(String name, String text, LocalDate fallback) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      return LocalDate.parse(text.strip());
    } catch (DateTimeParseException e) {
      throw ApiProblem.invalidParameter(name, "'" + text + "' is not a date like 2026-11-30");
    }
  }
}
