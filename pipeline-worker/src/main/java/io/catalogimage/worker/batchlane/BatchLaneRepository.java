package io.catalogimage.worker.batchlane;

import io.catalogimage.common.batch.BatchSpec;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.json.Json;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The batch lane's SQL that changes no item state: which items are due, the ledger rows of the
 * lines of a job (tagged with the provider's job id and the batch rate), attempts closed without a
 * result, and late results recorded as paid. Item state changes are ItemRepository's.
 */
@Repository
class BatchLaneRepository {

  /** The ledger row of one line. */
  record LineAttempt(
      ItemId item, int attempt, BigDecimal reserved, Instant started, String outcome) {}

  private static final String DUE_SQL =
      """
      SELECT item_id FROM items
       WHERE state = 'QUEUED' AND lane = 'batch' AND not_before <= :now
         AND edit_id IS NULL AND recaption_id IS NULL
       ORDER BY priority DESC, not_before
       LIMIT :limit
      """;

  /**
   * Batch-lane items whose deadline no longer leaves room for a provider job and its fallback go to
   * the real-time lane (a lane, not a state: the dispatcher then sends them).
   */
  private static final String TOO_LATE_FOR_BATCH_SQL =
      """
      UPDATE items i SET lane = :lane,
                         note = 'deadline too close for a provider batch job: real time'
        FROM batches b
       WHERE b.batch_id = i.batch_id AND i.state = 'QUEUED' AND i.lane = 'batch'
         AND b.deadline IS NOT NULL AND b.deadline < :cutoff
      """;

  /**
   * Edits and recaptions of batch-lane items go to the real-time lane: a provider batch job makes
   * fresh images only (no kept conversation to replay, no caption-only run), so packing one would
   * remake its image from scratch.
   */
  private static final String NOT_FOR_BATCH_SQL =
      """
      UPDATE items SET lane = :lane,
                       note = 'an edit or a recaption runs in real time, not in a provider job'
       WHERE state = 'QUEUED' AND lane = 'batch'
         AND (edit_id IS NOT NULL OR recaption_id IS NOT NULL)
      """;

  private static final String TAG_SQL =
      """
      UPDATE attempts a SET provider_job_id = :providerJob, batch_price = true
        FROM unnest(CAST(:items AS uuid[]), CAST(:attempts AS int[])) AS l(item_id, attempt_no)
       WHERE a.item_id = l.item_id AND a.attempt_no = l.attempt_no
      """;

  /** The same tag, for every line of our job row (the attempts its lines carry). */
  private static final String TAG_LINES_SQL =
      """
      UPDATE attempts a SET provider_job_id = :providerJob, batch_price = true
        FROM provider_job_items l
       WHERE l.job_id = :job AND a.item_id = l.item_id AND a.attempt_no = l.attempt_no
      """;

  private static final String LINE_ATTEMPTS_SQL =
      """
      SELECT item_id, attempt_no, reserved_usd, started_at, outcome FROM attempts
       WHERE provider_job_id = :providerJob
      """;

  /**
   * Lines that will bring no result (never ran, or the job is late): the attempt ends without cost
   * and its reservation goes back to the caps.
   */
  private static final String CLOSE_UNRUN_SQL =
      """
      WITH closed AS (
        UPDATE attempts SET outcome = :outcome, decision = :decision, finished_at = :now,
                            cost_usd = 0
         WHERE provider_job_id = :providerJob AND item_id = ANY(:items)
           AND outcome IN ('IN_FLIGHT', 'ABANDONED')
        RETURNING item_id, tenant_id, batch_id, reserved_usd, started_at
      ), batch_release AS (
        UPDATE batches b SET committed_usd = b.committed_usd - r.amount
          FROM (SELECT batch_id, sum(reserved_usd) AS amount FROM closed GROUP BY batch_id) r
         WHERE b.batch_id = r.batch_id AND b.cost_cap_usd IS NOT NULL
      ), tenant_release AS (
        UPDATE tenant_spend s SET committed_usd = s.committed_usd - r.amount
          FROM (SELECT tenant_id, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
                       sum(reserved_usd) AS amount
                  FROM closed GROUP BY 1, 2) r, tenants t
         WHERE s.tenant_id = r.tenant_id AND s.month = r.month
           AND t.tenant_id = r.tenant_id AND t.monthly_cap_usd IS NOT NULL
      )
      SELECT count(*) FROM closed
      """;

  /**
   * The lines of a job the provider never received (its submitter was lost and the provider's list
   * holds no such job): their attempts end unbilled, as {@link #CLOSE_UNRUN_SQL}'s.
   */
  private static final String CLOSE_UNSUBMITTED_SQL =
      CLOSE_UNRUN_SQL.replace(
          "WHERE provider_job_id = :providerJob AND item_id = ANY(:items)",
          "WHERE (item_id, attempt_no) IN (SELECT item_id, attempt_no FROM provider_job_items"
              + " WHERE job_id = :job AND item_id = ANY(:items))");

  /**
   * A result that came back after its item was done elsewhere: the provider billed it, so the
   * ledger charges it (at the batch rate) and says it was discarded.
   */
  private static final String LATE_SQL =
      """
      UPDATE attempts SET outcome = 'LATE_DISCARDED', finished_at = :now, cost_usd = :cost,
                          decision = 'the provider job returned it after the item had moved on'
                                     || ' (fell back to real time, or cancelled): paid, discarded'
       WHERE provider_job_id = :providerJob AND item_id = :item AND outcome <> 'LATE_DISCARDED'
      RETURNING cost_usd
      """;

  private static final String VARIANTS_SQL =
      """
      SELECT i.item_id, i.variant, b.spec FROM items i JOIN batches b ON b.batch_id = i.batch_id
       WHERE i.item_id = ANY(:ids)
      """;

  private static final String ADD_ITEM_COST_SQL =
      "UPDATE items SET cost_usd = cost_usd + :delta WHERE item_id = :item";

  private final JdbcClient jdbc;

  BatchLaneRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  List<ItemId> due(Instant now, int limit) {
    return jdbc.sql(DUE_SQL)
        .param("now", Timestamp.from(now))
        .param("limit", limit)
        .query((rs, i) -> new ItemId(rs.getObject(1, UUID.class)))
        .list();
  }

  int moveTooLateToRealTime(String lane, Instant cutoff) {
    return jdbc.sql(TOO_LATE_FOR_BATCH_SQL)
        .param("lane", lane)
        .param("cutoff", Timestamp.from(cutoff))
        .update();
  }

  /** Moves queued edits and recaptions of batch-lane items to {@code lane}; how many moved. */
  int moveRerunsToRealTime(String lane) {
    return jdbc.sql(NOT_FOR_BATCH_SQL).param("lane", lane).update();
  }

  void moveToLane(ItemId item, String newLane) {
    jdbc.sql("UPDATE items SET lane = :lane WHERE item_id = :item AND state = 'QUEUED'")
        .param("lane", newLane)
        .param("item", item.value())
        .update();
  }

  /** The lane an item this worker holds goes back to when it is queued again (no state change). */
  void setLaneOfHeld(ItemId item, String worker, String newLane) {
    jdbc.sql("UPDATE items SET lane = :lane WHERE item_id = :item AND lease_owner = :worker")
        .param("lane", newLane)
        .param("item", item.value())
        .param("worker", worker)
        .update();
  }

  void tag(String providerJob, List<ItemId> items, List<Integer> attempts) {
    jdbc.sql(TAG_SQL)
        .param("providerJob", providerJob)
        .param("items", items.stream().map(ItemId::value).toArray(UUID[]::new))
        .param("attempts", attempts.toArray(Integer[]::new))
        .update();
  }

  void tagLines(String providerJob, UUID job) {
    jdbc.sql(TAG_LINES_SQL).param("providerJob", providerJob).param("job", job).update();
  }

  int closeUnsubmitted(UUID job, Collection<ItemId> items, Instant now) {
    if (items.isEmpty()) {
      return 0;
    }
    return jdbc.sql(CLOSE_UNSUBMITTED_SQL)
        .param("job", job)
        .param("items", items.stream().map(ItemId::value).toArray(UUID[]::new))
        .param("outcome", "NOT_SUBMITTED")
        .param(
            "decision",
            "its submitter was lost before storing the provider's answer, and the provider's list"
                + " holds no such job: never sent, not billed; the item is queued again")
        .param("now", Timestamp.from(now))
        .query(Integer.class)
        .single();
  }

  Map<ItemId, LineAttempt> lineAttempts(String providerJob) {
    Map<ItemId, LineAttempt> out = new HashMap<>();
    jdbc.sql(LINE_ATTEMPTS_SQL)
        .param("providerJob", providerJob)
        .query(
            (rs, i) ->
                new LineAttempt(
                    new ItemId(rs.getObject("item_id", UUID.class)),
                    rs.getInt("attempt_no"),
                    rs.getBigDecimal("reserved_usd"),
                    rs.getTimestamp("started_at").toInstant(),
                    rs.getString("outcome")))
        .list()
        .forEach(a -> out.put(a.item(), a));
    return out;
  }

  int closeUnrun(
      String providerJob, Collection<ItemId> items, String outcome, String decision, Instant now) {
    if (items.isEmpty()) {
      return 0;
    }
    return jdbc.sql(CLOSE_UNRUN_SQL)
        .param("providerJob", providerJob)
        .param("items", items.stream().map(ItemId::value).toArray(UUID[]::new))
        .param("outcome", outcome)
        .param("decision", decision)
        .param("now", Timestamp.from(now))
        .query(Integer.class)
        .single();
  }

  /**
   * The variant (size, aspect ratio) each item asked for, read without holding the item: a late
   * result is priced at its real size (a flat-priced gateway charges a 4K image as 4K). Items whose
   * batch spec cannot be read are left out.
   */
  Map<ItemId, VariantSpec> variants(Collection<ItemId> items) {
    Map<ItemId, VariantSpec> out = new HashMap<>();
    if (items.isEmpty()) {
      return out;
    }
    jdbc.sql(VARIANTS_SQL)
        .param("ids", items.stream().map(ItemId::value).toArray(UUID[]::new))
        .query(
            rs -> {
              try {
                BatchSpec spec = Json.mapper().readValue(rs.getString("spec"), BatchSpec.class);
                out.put(
                    new ItemId(rs.getObject("item_id", UUID.class)),
                    spec.variant(rs.getString("variant")));
              } catch (RuntimeException e) {
                // priced at the default size below; the ledger row says which
              }
            });
    return out;
  }

  /** Records a late result as paid; false when it was already recorded. */
  boolean late(String providerJob, ItemId item, BigDecimal cost, Instant now) {
    boolean recorded =
        jdbc.sql(LATE_SQL)
            .param("providerJob", providerJob)
            .param("item", item.value())
            .param("cost", cost)
            .param("now", Timestamp.from(now))
            .query(BigDecimal.class)
            .optional()
            .isPresent();
    if (recorded && cost.signum() != 0) {
      jdbc.sql(ADD_ITEM_COST_SQL).param("delta", cost).param("item", item.value()).update();
    }
    return recorded;
  }
}
