package io.catalogimage.worker.ledger;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.json.Json;
import io.catalogimage.worker.claim.ClaimedItem;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * The attempt ledger and the item state changes that follow a call. A call is written IN_FLIGHT
 * (with its estimated cost reserved) before it is made, and settled with its real outcome and cost
 * after it, in the same transaction as the item's next state. Attempt numbers come from the item
 * row, so the primary key (item, attempt) makes a double record impossible.
 */
@Repository
public class Ledger {

  private static final String BEGIN =
      """
      WITH bumped AS (
        UPDATE items SET attempts = attempts + 1, version = version + 1, updated_at = :now
         WHERE item_id = :item AND state = 'RUNNING' AND lease_owner = :worker
           AND NOT EXISTS (SELECT 1 FROM batches b
                            WHERE b.batch_id = items.batch_id AND b.cancelled_at IS NOT NULL)
        RETURNING item_id, attempts, tenant_id, batch_id
      )
      INSERT INTO attempts (item_id, attempt_no, tenant_id, batch_id, worker_id, endpoint,
                            model_requested, outcome, started_at, reserved_usd)
      SELECT item_id, attempts, tenant_id, batch_id, :worker, :endpoint, :model, 'IN_FLIGHT',
             :now, :reserved
        FROM bumped
      RETURNING attempt_no
      """;

  /**
   * Settles the call even if a reclaim already marked it ABANDONED (this worker stalled past its
   * lease): the real outcome replaces the guess, and the returned delta corrects the item's cost.
   */
  private static final String SETTLE_ATTEMPT =
      """
      UPDATE attempts a
         SET outcome = :outcome, decision = :decision, model_served = :served,
             http_status = :status, error_message = :error, finished_at = :now,
             latency_ms = :latency, tokens_in = :tokensIn, tokens_out = :tokensOut,
             tokens_thinking = :tokensThinking, cost_usd = :cost,
             image_width = :width, image_height = :height, response_id = :responseId
        FROM (SELECT cost_usd AS old_cost FROM attempts
               WHERE item_id = :item AND attempt_no = :attempt FOR UPDATE) o
       WHERE a.item_id = :item AND a.attempt_no = :attempt
         AND a.outcome IN ('IN_FLIGHT', 'ABANDONED')
      RETURNING a.cost_usd - o.old_cost
      """;

  private static final String BATCH_CANCELLED =
      "EXISTS (SELECT 1 FROM batches b WHERE b.batch_id = items.batch_id"
          + " AND b.cancelled_at IS NOT NULL)";

  private static final String GUARD =
      " WHERE item_id = :item AND state = 'RUNNING' AND lease_owner = :worker";

  private static final String RELEASE_LEASE =
      "lease_owner = NULL, lease_until = NULL, version = version + 1, updated_at = :now,"
          + " cost_usd = cost_usd + :delta";

  private static final String SUCCEED =
      "UPDATE items SET state = 'SUCCEEDED', model_served = :served, image_key = :imageKey,"
          + " sidecar_key = :sidecarKey, alt_text = CAST(:altText AS jsonb), caption = :caption,"
          + " finished_at = :now, next_model = NULL,"
          + " last_error_type = NULL, last_error_message = NULL, note = :note, "
          + RELEASE_LEASE
          + GUARD;

  /** Back to the queue, unless the batch was cancelled meanwhile: then that is where it ends. */
  private static final String REQUEUE =
      "UPDATE items SET state = CASE WHEN "
          + BATCH_CANCELLED
          + " THEN 'CANCELLED' ELSE 'QUEUED' END,"
          + " finished_at = CASE WHEN "
          + BATCH_CANCELLED
          + " THEN CAST(:now AS timestamptz) END,"
          + " not_before = :notBefore, next_model = :nextModel,"
          + " dispatched_at = NULL, last_error_type = :errorType,"
          + " last_error_message = :errorMessage, note = :note, "
          + RELEASE_LEASE
          + GUARD;

  private static final String FINISH =
      "UPDATE items SET state = :state, finished_at = :now, last_error_type = :errorType,"
          + " last_error_message = :errorMessage, note = :note, "
          + RELEASE_LEASE
          + GUARD;

  private static final String ADD_COST_ONLY =
      "UPDATE items SET cost_usd = cost_usd + :delta WHERE item_id = :item";

  /** Items claimed but never started (shutdown): handed back at once instead of at lease expiry. */
  private static final String RELEASE_UNSTARTED =
      """
      UPDATE items SET state = 'QUEUED', not_before = :now, dispatched_at = NULL,
                       lease_owner = NULL, lease_until = NULL, version = version + 1,
                       updated_at = :now, note = 'handed back by ' || :worker || ' at shutdown'
       WHERE item_id = ANY(:ids) AND state = 'RUNNING' AND lease_owner = :worker
      """;

  /** Back to the queue without a call (budget, open circuit): the last error stays as it was. */
  private static final String REQUEUE_WITHOUT_CALL =
      "UPDATE items SET state = CASE WHEN "
          + BATCH_CANCELLED
          + " THEN 'CANCELLED' ELSE 'QUEUED' END,"
          + " finished_at = CASE WHEN "
          + BATCH_CANCELLED
          + " THEN CAST(:now AS timestamptz) END,"
          + " not_before = :notBefore, next_model = :nextModel, dispatched_at = NULL,"
          + " note = :note, "
          + RELEASE_LEASE
          + GUARD;

  /** Books the estimated cost of a call against the batch's cap; no row = no room. */
  private static final String RESERVE_UNDER_CAP =
      """
      UPDATE batches SET committed_usd = committed_usd + :amount
       WHERE batch_id = :batch
         AND (cost_cap_usd IS NULL OR committed_usd + :amount <= cost_cap_usd)
      """;

  /** The same for the tenant's month: the first reservation of a month creates its row. */
  private static final String RESERVE_UNDER_TENANT_CAP =
      """
      INSERT INTO tenant_spend AS s (tenant_id, month, committed_usd)
      SELECT :tenant, :month, :amount WHERE :amount <= :cap
      ON CONFLICT (tenant_id, month) DO UPDATE
         SET committed_usd = s.committed_usd + :amount
       WHERE s.committed_usd + :amount <= :cap
      """;

  private static final String ADJUST_TENANT_COMMITTED =
      "UPDATE tenant_spend SET committed_usd = committed_usd + :amount"
          + " WHERE tenant_id = :tenant AND month = :month";

  private static final String ADJUST_COMMITTED =
      "UPDATE batches SET committed_usd = committed_usd + :amount WHERE batch_id = :batch";

  private final JdbcClient jdbc;

  public Ledger(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Records a call about to be made; empty when this worker no longer holds the item's lease. */
  public Optional<Integer> begin(
      ClaimedItem item,
      String worker,
      String endpoint,
      String model,
      BigDecimal reserved,
      Instant now) {
    return jdbc.sql(BEGIN)
        .param("item", item.id().value())
        .param("worker", worker)
        .param("endpoint", endpoint)
        .param("model", model)
        .param("reserved", reserved)
        .param("now", Timestamp.from(now))
        .query(Integer.class)
        .optional();
  }

  /**
   * Settles a call and moves the item on. Returns false when the lease was lost meanwhile: the call
   * is still recorded (it was real and may have cost money) but the item is left to its new owner.
   */
  @Transactional
  public boolean settle(
      ItemId item, int attempt, String worker, AttemptResult r, ItemChange change, Instant now) {
    BigDecimal delta =
        jdbc.sql(SETTLE_ATTEMPT)
            .param("outcome", r.outcome())
            .param("decision", r.decision())
            .param("served", r.modelServed())
            .param("status", r.httpStatus() == 0 ? null : r.httpStatus())
            .param("error", r.errorMessage())
            .param("now", Timestamp.from(now))
            .param("latency", (int) Math.min(Integer.MAX_VALUE, r.latencyMs()))
            .param("tokensIn", r.tokensIn())
            .param("tokensOut", r.tokensOut())
            .param("tokensThinking", r.tokensThinking())
            .param("cost", r.costUsd())
            .param("width", r.imageWidth())
            .param("height", r.imageHeight())
            .param("responseId", r.responseId())
            .param("item", item.value())
            .param("attempt", attempt)
            .query(BigDecimal.class)
            .optional()
            .orElse(BigDecimal.ZERO);
    if (!ItemState.RUNNING.canMoveTo(change.target())) {
      throw new IllegalStateException("RUNNING may not move to " + change.target());
    }
    JdbcClient.StatementSpec statement;
    if (change instanceof ItemChange.Succeeded s) {
      statement =
          jdbc.sql(SUCCEED)
              .param("served", s.modelServed())
              .param("imageKey", s.imageKey())
              .param("sidecarKey", s.sidecarKey())
              .param("altText", Json.mapper().writeValueAsString(s.altText()))
              .param("caption", s.caption())
              .param("note", s.note());
    } else if (change instanceof ItemChange.Requeued q) {
      statement =
          jdbc.sql(REQUEUE)
              .param("notBefore", Timestamp.from(q.notBefore()))
              .param("nextModel", q.nextModel())
              .param("errorType", q.errorType())
              .param("errorMessage", q.errorMessage())
              .param("note", q.note());
    } else {
      ItemChange.Finished f = (ItemChange.Finished) change;
      statement =
          jdbc.sql(FINISH)
              .param("state", f.state().name())
              .param("errorType", f.errorType())
              .param("errorMessage", f.errorMessage())
              .param("note", f.note());
    }
    int moved = onHeldItem(statement, item, worker, delta, now);
    if (moved == 0 && delta.signum() != 0) {
      jdbc.sql(ADD_COST_ONLY).param("delta", delta).param("item", item.value()).update();
    }
    return moved == 1;
  }

  /** Hands an item back to the queue without a call, due at {@code notBefore}. */
  public boolean requeueWithoutCall(
      ItemId item, String worker, Instant notBefore, String nextModel, String note, Instant now) {
    return onHeldItem(
            jdbc.sql(REQUEUE_WITHOUT_CALL)
                .param("notBefore", Timestamp.from(notBefore))
                .param("nextModel", nextModel)
                .param("note", note),
            item,
            worker,
            BigDecimal.ZERO,
            now)
        == 1;
  }

  /**
   * Reserves {@code amount} of the batch's cost cap for a call about to be made; false when the cap
   * has no room for it. Only called for capped batches: an uncapped batch's row is never touched.
   */
  public boolean reserveUnderCap(BatchId batch, BigDecimal amount) {
    return jdbc.sql(RESERVE_UNDER_CAP)
            .param("amount", amount)
            .param("batch", batch.value())
            .update()
        == 1;
  }

  /** Reserves {@code amount} of the tenant's monthly cap; false when the month has no room. */
  public boolean reserveUnderTenantCap(
      TenantId tenant, String month, BigDecimal amount, BigDecimal cap) {
    return jdbc.sql(RESERVE_UNDER_TENANT_CAP)
            .param("tenant", tenant.value())
            .param("month", month)
            .param("amount", amount)
            .param("cap", cap)
            .update()
        == 1;
  }

  /** Settles a tenant reservation of {@code month}. */
  public void adjustTenantCommitted(TenantId tenant, String month, BigDecimal amount) {
    if (amount.signum() != 0) {
      jdbc.sql(ADJUST_TENANT_COMMITTED)
          .param("amount", amount)
          .param("tenant", tenant.value())
          .param("month", month)
          .update();
    }
  }

  /** Settles a reservation: the actual cost minus the reserved amount (or a whole refund). */
  public void adjustCommitted(BatchId batch, BigDecimal amount) {
    if (amount.signum() != 0) {
      jdbc.sql(ADJUST_COMMITTED).param("amount", amount).param("batch", batch.value()).update();
    }
  }

  /** Ends an item in a terminal state without a provider call (cap reached, refused input). */
  public boolean finishWithoutCall(
      ItemId item, String worker, ItemState state, String errorType, String message, Instant now) {
    return onHeldItem(
            jdbc.sql(FINISH)
                .param("state", state.name())
                .param("errorType", errorType)
                .param("errorMessage", message)
                .param("note", null),
            item,
            worker,
            BigDecimal.ZERO,
            now)
        == 1;
  }

  /**
   * Ends an item that failed before any provider call (e.g. its reference image was refused): no
   * attempt row, because nothing was called or billed.
   */
  public boolean failWithoutCall(
      ItemId item, String worker, String errorType, String message, Instant now) {
    return finishWithoutCall(item, worker, ItemState.FAILED, errorType, message, now);
  }

  /**
   * Ends an item this worker holds but has not called yet, when its batch was cancelled meanwhile.
   * Returns false when the batch is not cancelled (or the lease is gone).
   */
  public boolean cancelIfBatchCancelled(ItemId item, String worker, Instant now) {
    return onHeldItem(
            jdbc.sql(
                "UPDATE items SET state = 'CANCELLED', finished_at = :now,"
                    + " note = 'cancelled by request before its call', "
                    + RELEASE_LEASE
                    + GUARD
                    + " AND "
                    + BATCH_CANCELLED),
            item,
            worker,
            BigDecimal.ZERO,
            now)
        == 1;
  }

  /**
   * Runs a change guarded by the lease ({@code GUARD}, {@code RELEASE_LEASE}): the item, this
   * worker, the cost delta and the time every such statement takes. Returns the rows changed.
   */
  private static int onHeldItem(
      JdbcClient.StatementSpec statement,
      ItemId item,
      String worker,
      BigDecimal delta,
      Instant now) {
    return statement
        .param("delta", delta)
        .param("now", Timestamp.from(now))
        .param("item", item.value())
        .param("worker", worker)
        .update();
  }

  /** Hands back items that were claimed but whose call never started. */
  public int releaseUnstarted(List<ItemId> items, String worker, Instant now) {
    if (items.isEmpty()) {
      return 0;
    }
    return jdbc.sql(RELEASE_UNSTARTED)
        .param("ids", items.stream().map(ItemId::value).toArray(UUID[]::new))
        .param("worker", worker)
        .param("now", Timestamp.from(now))
        .update();
  }
}
