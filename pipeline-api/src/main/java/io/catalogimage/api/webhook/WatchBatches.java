package io.catalogimage.api.webhook;

import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import io.catalogimage.common.pricing.SpendMonth;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Watches open batches for what no single write reveals: a deadline slipping out of reach at the
 * pace the batch actually runs (shown as the batch's {@code plan.atRisk}, and {@code batch.at_risk}
 * sent where it has a webhook URL; a batch flagged at intake is not judged again), a provider batch
 * job's items falling back to real time ({@code batch.fell_back}), and committed spend reaching a
 * share of a batch's or the tenant's cost cap ({@code budget.threshold}). Idempotent: an event
 * already queued is not queued again, so every api instance may run it.
 */
@Component
class WatchBatches implements RunsInLoop {

  /** Progress is judged only after this long, so that a batch's first calls set no pace. */
  static final Duration MIN_OBSERVED = Duration.ofMinutes(1);

  private static final String DEADLINES =
      """
      SELECT b.batch_id, b.deadline, b.item_count,
             CASE WHEN b.items_pending THEN b.item_count  -- an upload's items being made
                  ELSE (SELECT coalesce(sum(c.n), 0) FROM batch_item_counts c
                         WHERE c.batch_id = b.batch_id
                           AND c.state IN ('QUEUED', 'DISPATCHED', 'RUNNING',
                                           'IN_PROVIDER_BATCH')) END AS open,
             (SELECT min(a.started_at) FROM attempts a WHERE a.batch_id = b.batch_id) AS started
        FROM batches b
       WHERE b.finished_at IS NULL AND b.deadline IS NOT NULL AND b.at_risk IS NULL
         -- the batch lane shows no progress until its provider job returns; its deadline is kept
         -- by the fallback to real time at the job's latest safe moment instead
         AND b.lane <> 'batch'
      """;

  /**
   * Provider jobs that fell back to real time lately, per batch with a webhook URL: the items of
   * the batch the fallback moved (their lines RERUN, or LATE when the job's result came after all).
   */
  private static final String FALLBACKS =
      """
      SELECT j.job_id, j.provider_job_id, j.latest_safe_at, j.fell_back_at, b.batch_id,
             b.deadline, count(*) AS items
        FROM provider_jobs j
        JOIN provider_job_items l ON l.job_id = j.job_id AND l.outcome IN ('RERUN', 'LATE')
        JOIN items i ON i.item_id = l.item_id
        JOIN batches b ON b.batch_id = i.batch_id
        JOIN tenants t ON t.tenant_id = b.tenant_id
       WHERE j.fell_back_at > :since AND coalesce(b.callback_url, t.webhook_url) IS NOT NULL
       GROUP BY j.job_id, j.provider_job_id, j.latest_safe_at, j.fell_back_at, b.batch_id,
                b.deadline
      """;

  private static final String MARK_AT_RISK =
      "UPDATE batches SET at_risk = :reason WHERE batch_id = :batch AND at_risk IS NULL";

  private static final String BATCH_SPEND =
      """
      SELECT b.batch_id, b.cost_cap_usd, b.committed_usd
        FROM batches b JOIN tenants t ON t.tenant_id = b.tenant_id
       WHERE b.cost_cap_usd IS NOT NULL AND b.committed_usd >= :share * b.cost_cap_usd
         AND (b.finished_at IS NULL OR b.finished_at > :recently)
         AND coalesce(b.callback_url, t.webhook_url) IS NOT NULL
      """;

  private static final String TENANT_SPEND =
      """
      SELECT t.tenant_id, t.monthly_cap_usd, s.committed_usd, t.webhook_url
        FROM tenants t JOIN tenant_spend s ON s.tenant_id = t.tenant_id AND s.month = :month
       WHERE t.monthly_cap_usd IS NOT NULL AND t.webhook_url IS NOT NULL
         AND s.committed_usd >= :share * t.monthly_cap_usd
      """;

  private final JdbcClient jdbc;
  private final WebhookEvents events;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final List<Double> thresholds;
  private final PollingLoop loop;

  WatchBatches(
      JdbcClient jdbc,
      WebhookEvents events,
      TransactionTemplate tx,
      Clock clock,
      WebhookProperties props) {
    this.jdbc = jdbc;
    this.events = events;
    this.tx = tx;
    this.clock = clock;
    this.thresholds = props.budgetThresholds().stream().sorted().toList();
    this.loop = new PollingLoop("WatchBatches", props.watchInterval(), this::watchOnce);
  }

  boolean watchOnce() {
    Instant now = clock.instant();
    deadlines(now);
    fallbacks(now);
    if (!thresholds.isEmpty()) {
      batchBudgets(now);
      tenantBudgets(now);
    }
    return false;
  }

  private record Deadline(UUID batch, Instant deadline, long items, long open, Instant started) {}

  private void deadlines(Instant now) {
    List<Deadline> open =
        jdbc.sql(DEADLINES)
            .query(
                (rs, i) -> {
                  Timestamp started = rs.getTimestamp("started");
                  return new Deadline(
                      rs.getObject("batch_id", UUID.class),
                      rs.getTimestamp("deadline").toInstant(),
                      rs.getLong("item_count"),
                      rs.getLong("open"),
                      started == null ? null : started.toInstant());
                })
            .list();
    for (Deadline d : open) {
      String reason = reason(d.deadline(), d.items(), d.open(), d.started(), now);
      if (reason != null) {
        tx.executeWithoutResult(
            s -> {
              jdbc.sql(MARK_AT_RISK).param("reason", reason).param("batch", d.batch()).update();
              events.atRisk(d.batch(), d.deadline(), reason, now);
            });
      }
    }
  }

  /**
   * {@code batch.fell_back} for each batch whose items a provider job's fallback moved to real time
   * (the worker moves them; the api reports it). A day back, so an api down for hours still sends.
   */
  private void fallbacks(Instant now) {
    jdbc.sql(FALLBACKS)
        .param("since", Timestamp.from(now.minus(Duration.ofDays(1))))
        .query(
            (rs, i) -> {
              Timestamp deadline = rs.getTimestamp("deadline");
              events.fellBack(
                  rs.getObject("batch_id", UUID.class),
                  rs.getObject("job_id", UUID.class),
                  rs.getString("provider_job_id"),
                  rs.getLong("items"),
                  rs.getTimestamp("latest_safe_at").toInstant(),
                  rs.getTimestamp("fell_back_at").toInstant(),
                  deadline == null ? null : deadline.toInstant(),
                  now);
              return 1;
            })
        .list();
  }

  /** Why the batch will miss its deadline at its observed pace, or null. */
  static String reason(Instant deadline, long items, long open, Instant started, Instant now) {
    if (open == 0) {
      return null;
    }
    if (!now.isBefore(deadline)) {
      return open + " of " + items + " items are still open at the deadline " + deadline;
    }
    long done = items - open;
    if (started == null || done == 0) {
      return null;
    }
    Duration observed = Duration.between(started, now);
    if (observed.compareTo(MIN_OBSERVED) < 0) {
      return null;
    }
    double perMs = done / (double) observed.toMillis();
    Instant projected = now.plusMillis((long) Math.ceil(open / perMs));
    if (!projected.isAfter(deadline)) {
      return null;
    }
    return String.format(
        "at the pace so far (%d items in %d s), the %d open items finish about %s, after the"
            + " deadline %s",
        done, observed.toSeconds(), open, projected, deadline);
  }

  private record Spend(UUID batch, BigDecimal cap, BigDecimal committed) {}

  private record TenantSpend(TenantId tenant, BigDecimal cap, BigDecimal committed, String url) {}

  private void batchBudgets(Instant now) {
    List<Spend> spends =
        jdbc.sql(BATCH_SPEND)
            .param("share", BigDecimal.valueOf(thresholds.get(0)))
            .param("recently", Timestamp.from(now.minus(Duration.ofMinutes(5))))
            .query(
                (rs, i) ->
                    new Spend(
                        rs.getObject("batch_id", UUID.class),
                        rs.getBigDecimal("cost_cap_usd"),
                        rs.getBigDecimal("committed_usd")))
            .list();
    for (Spend s : spends) {
      for (double share : reached(s.cap(), s.committed())) {
        events.budgetThreshold(s.batch(), share, s.cap(), s.committed(), now);
      }
    }
  }

  private void tenantBudgets(Instant now) {
    String month = SpendMonth.of(now).toString();
    List<TenantSpend> spends =
        jdbc.sql(TENANT_SPEND)
            .param("month", month)
            .param("share", BigDecimal.valueOf(thresholds.get(0)))
            .query(
                (rs, i) ->
                    new TenantSpend(
                        new TenantId(rs.getObject("tenant_id", UUID.class)),
                        rs.getBigDecimal("monthly_cap_usd"),
                        rs.getBigDecimal("committed_usd"),
                        rs.getString("webhook_url")))
            .list();
    for (TenantSpend s : spends) {
      for (double share : reached(s.cap(), s.committed())) {
        events.tenantBudgetThreshold(
            s.tenant(), s.url(), month, share, s.cap(), s.committed(), now);
      }
    }
  }

  private List<Double> reached(BigDecimal cap, BigDecimal committed) {
    return thresholds.stream()
        .filter(t -> committed.compareTo(cap.multiply(BigDecimal.valueOf(t))) >= 0)
        .toList();
  }

  @Override
  public PollingLoop loop() {
    return loop;
  }
}
