package io.catalogimage.api.webhook;

import io.catalogimage.common.id.TenantId;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The events, queued in the transaction of what they report. A batch's go to its callback URL, else
 * to the tenant's webhook URL; the tenant's own go to the latter. With no URL, nothing is queued.
 */
@Component
public class WebhookEvents {

  public static final String COMPLETED = "batch.completed";
  public static final String FAILED = "batch.failed";
  public static final String AT_RISK = "batch.at_risk";
  public static final String BUDGET_THRESHOLD = "budget.threshold";
  public static final String FELL_BACK = "batch.fell_back";

  private static final String TARGET =
      """
      SELECT b.tenant_id, b.name, coalesce(b.callback_url, t.webhook_url) AS url
        FROM batches b JOIN tenants t ON t.tenant_id = b.tenant_id
       WHERE b.batch_id = :batch
      """;

  private static final String COUNTS =
      """
      SELECT state, sum(n) AS n, sum(cost_usd) AS cost
        FROM batch_item_counts WHERE batch_id = :batch
       GROUP BY state HAVING sum(n) <> 0 ORDER BY state
      """;

  private final JdbcClient jdbc;
  private final WebhookOutbox outbox;

  WebhookEvents(JdbcClient jdbc, WebhookOutbox outbox) {
    this.jdbc = jdbc;
    this.outbox = outbox;
  }

  private record Target(TenantId tenant, String name, String url) {}

  private Optional<Target> target(UUID batch) {
    return jdbc.sql(TARGET)
        .param("batch", batch)
        .query(
            (rs, i) ->
                new Target(
                    new TenantId(rs.getObject("tenant_id", UUID.class)),
                    rs.getString("name"),
                    rs.getString("url")))
        .optional()
        .filter(t -> t.url() != null);
  }

  /**
   * The batch has just finished, at {@code finishedAt}: {@code batch.completed} when any item
   * succeeded, {@code batch.failed} when none did. A re-driven batch that finishes again sends
   * again.
   */
  public void finished(UUID batch, Instant finishedAt) {
    Optional<Target> target = target(batch);
    if (target.isEmpty()) {
      return;
    }
    Map<String, Object> data = about(batch, target.get().name());
    Map<String, Long> counts = new LinkedHashMap<>();
    BigDecimal[] cost = {BigDecimal.ZERO};
    jdbc.sql(COUNTS)
        .param("batch", batch)
        .query(
            rs -> {
              counts.put(rs.getString("state"), rs.getLong("n"));
              cost[0] = cost[0].add(rs.getBigDecimal("cost"));
            });
    boolean anySucceeded = counts.getOrDefault("SUCCEEDED", 0L) > 0;
    data.put("state", "COMPLETED");
    data.put("counts", counts);
    data.put("costUsd", cost[0]);
    data.put("finishedAt", finishedAt.toString());
    String type = anySucceeded ? COMPLETED : FAILED;
    outbox.enqueue(
        target.get().tenant(),
        batch,
        type,
        type + ":" + batch + ":" + finishedAt.toEpochMilli(),
        target.get().url(),
        data,
        finishedAt);
  }

  /** The batch looks unable to meet its deadline: sent once per batch. */
  public void atRisk(UUID batch, Instant deadline, String reason, Instant now) {
    target(batch)
        .ifPresent(
            t -> {
              Map<String, Object> data = about(batch, t.name());
              data.put("deadline", deadline.toString());
              data.put("reason", reason);
              outbox.enqueue(t.tenant(), batch, AT_RISK, AT_RISK + ":" + batch, t.url(), data, now);
            });
  }

  /**
   * A provider batch job was not back by its latest safe moment: it was cancelled and {@code items}
   * of this batch's items now run in real time (at the real-time price) to keep the deadline. Sent
   * once per batch and provider job.
   */
  public void fellBack(
      UUID batch,
      UUID job,
      String providerJob,
      long items,
      Instant latestSafeAt,
      Instant fellBackAt,
      Instant deadline,
      Instant now) {
    target(batch)
        .ifPresent(
            t -> {
              Map<String, Object> data = about(batch, t.name());
              data.put("providerJob", providerJob);
              data.put("items", items);
              data.put("latestSafeAt", latestSafeAt.toString());
              data.put("fellBackAt", fellBackAt.toString());
              data.put("deadline", deadline == null ? null : deadline.toString());
              data.put(
                  "reason",
                  "the provider batch job was not back by its latest safe moment; its unfinished"
                      + " items run in real time, at the real-time price, to keep the deadline");
              outbox.enqueue(
                  t.tenant(),
                  batch,
                  FELL_BACK,
                  FELL_BACK + ":" + batch + ":" + job,
                  t.url(),
                  data,
                  now);
            });
  }

  /**
   * The batch's committed spend reached {@code share} of its cost cap: sent once per threshold and
   * cap (raising the cap arms the thresholds again).
   */
  public void budgetThreshold(
      UUID batch, double share, BigDecimal cap, BigDecimal committed, Instant now) {
    target(batch)
        .ifPresent(
            t -> {
              Map<String, Object> data = about(batch, t.name());
              data.put("scope", "batch");
              data.put("threshold", share);
              data.put("costCapUsd", cap);
              data.put("committedUsd", committed);
              outbox.enqueue(
                  t.tenant(),
                  batch,
                  BUDGET_THRESHOLD,
                  String.join(
                      ":",
                      BUDGET_THRESHOLD,
                      "batch",
                      batch.toString(),
                      cap.stripTrailingZeros().toPlainString(),
                      Double.toString(share)),
                  t.url(),
                  data,
                  now);
            });
  }

  /**
   * The tenant's committed spend this month reached {@code share} of its monthly cap: sent once per
   * month, threshold and cap.
   */
  public void tenantBudgetThreshold(
      TenantId tenant,
      String url,
      String month,
      double share,
      BigDecimal cap,
      BigDecimal committed,
      Instant now) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("scope", "tenant");
    data.put("month", month);
    data.put("threshold", share);
    data.put("monthlyCapUsd", cap);
    data.put("committedUsd", committed);
    outbox.enqueue(
        tenant,
        null,
        BUDGET_THRESHOLD,
        String.join(
            ":",
            BUDGET_THRESHOLD,
            "tenant",
            tenant.toString(),
            month,
            cap.stripTrailingZeros().toPlainString(),
            Double.toString(share)),
        url,
        data,
        now);
  }

  private static Map<String, Object> about(UUID batch, String name) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("batchId", batch.toString());
    data.put("name", name);
    data.put(
        "links",
        Map.of("batch", "/v1/batches/" + batch, "results", "/v1/batches/" + batch + "/results"));
    return data;
  }
}
