package io.catalogimage.worker.ledger;

import io.catalogimage.common.db.CapChangeLocks;
import io.catalogimage.common.db.LockConflicts;
import io.catalogimage.common.edit.Conversations;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.json.Json;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * The attempt ledger: one row per real provider call. A call is written IN_FLIGHT (with its
 * estimated cost reserved) before it is made, and settled with its real outcome and cost after it,
 * in the same transaction as the item's next state and the caps' settlement. Attempt numbers come
 * from the item row, so the primary key (item, attempt) makes a double record impossible.
 */
@Repository
public class Ledger {

  private static final Logger log = LoggerFactory.getLogger(Ledger.class);

  /**
   * Counts the attempt on the item (guarded by lease and version, refused for a cancelled batch)
   * and records it; the detour that put the call on its model, if any, goes on the row. The item's
   * cap hold goes with it: its reservation is in the ledger row now (CommittedSpend).
   */
  private static final String BEGIN =
      """
      WITH bumped AS (
        UPDATE items SET attempts = attempts + 1, version = version + 1, updated_at = :now,
                         route_reason = NULL,
                         caption_calls = caption_calls
                                         + CASE WHEN :purpose = 'caption' THEN 1 ELSE 0 END
         WHERE item_id = :item AND state = 'RUNNING' AND lease_owner = :worker
           AND version = :version
           AND NOT EXISTS (SELECT 1 FROM batches b
                            WHERE b.batch_id = items.batch_id AND b.cancelled_at IS NOT NULL)
        RETURNING item_id, attempts, tenant_id, batch_id, edit_id, recaption_id
      ), unheld AS (
        DELETE FROM cap_holds WHERE item_id IN (SELECT item_id FROM bumped)
      )
      INSERT INTO attempts (item_id, attempt_no, tenant_id, batch_id, worker_id, endpoint,
                            model_requested, outcome, started_at, reserved_usd, routed, purpose,
                            edit_id, recaption_id)
      SELECT item_id, attempts, tenant_id, batch_id, :worker, :endpoint, :model, 'IN_FLIGHT',
             :now, :reserved, :routed, :purpose, edit_id, recaption_id
        FROM bumped
      RETURNING attempt_no
      """;

  /**
   * Settles the call even if a reclaim already marked it ABANDONED (this worker stalled past its
   * lease): the real outcome replaces the guess, and the returned delta corrects the item's cost. A
   * call already settled matches nothing: settling again (a retry after a commit whose answer was
   * lost) changes nothing.
   */
  private static final String SETTLE_ATTEMPT =
      """
      UPDATE attempts a
         SET outcome = :outcome, decision = :decision, model_served = :served,
             http_status = :status, error_message = :error, finished_at = :now,
             latency_ms = :latency, tokens_in = :tokensIn, tokens_out = :tokensOut,
             tokens_thinking = :tokensThinking, cost_usd = :cost, possibly_billed = :possibly,
             image_width = :width, image_height = :height, response_id = :responseId
        FROM (SELECT cost_usd AS old_cost, reserved_usd FROM attempts
               WHERE item_id = :item AND attempt_no = :attempt FOR UPDATE) o
       WHERE a.item_id = :item AND a.attempt_no = :attempt
         AND a.outcome IN ('IN_FLIGHT', 'ABANDONED')
      RETURNING a.cost_usd - o.old_cost AS delta, a.cost_usd - o.reserved_usd AS against_reserved
      """;

  /**
   * The item's row, locked before anything else a settle writes. Every writer takes an item's row
   * before the counter rows its change moves (batch_model_usage, batch_item_counts, the caps):
   * {@link #BEGIN} updates the item before its attempt's insert moves a counter, a reclaim the
   * items before their attempts. A settle that updated its attempt first held the counter row of
   * its batch, model and shard while it waited for its item, which a lease renewal of many items
   * can hold while it waits for another item that a begin holds, waiting for that counter row: a
   * three-way deadlock, seen in the payload benchmark (2026-12-07).
   */
  private static final String LOCK_ITEM =
      "SELECT 1 FROM items WHERE item_id = :item FOR NO KEY UPDATE";

  /**
   * Books the estimated cost of a call against the batch's cap, and holds it on the item until its
   * ledger row is written (CommittedSpend); no row = no room. The tenant's part of the hold is kept
   * when it was booked just before ({@code :keepTenant}), dropped otherwise (a hold left by a
   * worker that died).
   */
  private static final String RESERVE_UNDER_CAP =
      """
      WITH booked AS (
        UPDATE batches SET committed_usd = committed_usd + :amount
         WHERE batch_id = :batch
           AND (cost_cap_usd IS NULL OR committed_usd + :amount <= cost_cap_usd)
        RETURNING batch_id, tenant_id
      )
      INSERT INTO cap_holds AS h (item_id, batch_id, tenant_id, batch_usd, held_at)
      SELECT :item, batch_id, tenant_id, :amount, now() FROM booked
      ON CONFLICT (item_id) DO UPDATE
         SET batch_id = EXCLUDED.batch_id, tenant_id = EXCLUDED.tenant_id,
             batch_usd = EXCLUDED.batch_usd, held_at = EXCLUDED.held_at,
             month = CASE WHEN :keepTenant THEN h.month END,
             tenant_usd = CASE WHEN :keepTenant THEN h.tenant_usd END
      """;

  /**
   * The same for the tenant's month (the first reservation of a month creates its row); booked
   * first, so its hold replaces whatever the item held before.
   */
  private static final String RESERVE_UNDER_TENANT_CAP =
      """
      WITH booked AS (
        INSERT INTO tenant_spend AS s (tenant_id, month, committed_usd)
        SELECT :tenant, :month, :amount WHERE :amount <= :cap
        ON CONFLICT (tenant_id, month) DO UPDATE
           SET committed_usd = s.committed_usd + :amount
         WHERE s.committed_usd + :amount <= :cap
        RETURNING tenant_id
      )
      INSERT INTO cap_holds AS h (item_id, batch_id, tenant_id, month, tenant_usd, held_at)
      SELECT :item, :batch, tenant_id, :month, :amount, now() FROM booked
      ON CONFLICT (item_id) DO UPDATE
         SET batch_id = EXCLUDED.batch_id, tenant_id = EXCLUDED.tenant_id, month = EXCLUDED.month,
             tenant_usd = EXCLUDED.tenant_usd, batch_usd = NULL, held_at = EXCLUDED.held_at
      """;

  /**
   * Drops an item's hold once its reservation was given back: after the caps' rows, so that a
   * recount in between counts the money once more than it should (the safe side), never once less.
   */
  private static final String UNHOLD = "DELETE FROM cap_holds WHERE item_id = :item";

  private static final String ADJUST_TENANT_COMMITTED =
      "UPDATE tenant_spend SET committed_usd = committed_usd + :amount"
          + " WHERE tenant_id = :tenant AND month = :month";

  private static final String ADJUST_COMMITTED =
      "UPDATE batches SET committed_usd = committed_usd + :amount WHERE batch_id = :batch";

  /** How a settle went. */
  public enum Settled {
    /** The call is recorded and the item moved on. */
    MOVED,
    /**
     * The call is recorded, but the item is no longer held at our version (reclaimed, or finished
     * elsewhere): it was left to its new owner.
     */
    LEASE_LOST,
    /** The call was already settled (an earlier try of this same settle committed). */
    ALREADY
  }

  private final JdbcClient jdbc;
  private final ItemRepository items;
  private final Conversations conversations;

  public Ledger(JdbcClient jdbc, ItemRepository items, Conversations conversations) {
    this.jdbc = jdbc;
    this.items = items;
    this.conversations = conversations;
  }

  /**
   * Records a call about to be made; empty when the item is no longer held at that version or its
   * batch was cancelled. On success the item's version is one more than {@code held}'s.
   */
  public Optional<Integer> begin(
      ItemRepository.Held held,
      String endpoint,
      String model,
      BigDecimal reserved,
      String routed,
      Instant now) {
    return begin(held, endpoint, model, reserved, routed, PURPOSE_IMAGE, now);
  }

  /** What a call is for: an image, or a caption of an image already made. */
  public static final String PURPOSE_IMAGE = "image";

  public static final String PURPOSE_CAPTION = "caption";

  /** Records a call about to be made, for {@code purpose}. */
  public Optional<Integer> begin(
      ItemRepository.Held held,
      String endpoint,
      String model,
      BigDecimal reserved,
      String routed,
      String purpose,
      Instant now) {
    return jdbc.sql(BEGIN)
        .param("purpose", purpose)
        .param("item", held.item().value())
        .param("worker", held.worker())
        .param("version", held.version())
        .param("endpoint", endpoint)
        .param("model", model)
        .param("reserved", reserved)
        .param("routed", routed)
        .param("now", Timestamp.from(now))
        .query(Integer.class)
        .optional();
  }

  /**
   * Settles a call, moves the item on and settles the caps' reservation, in one transaction. The
   * call is recorded even when the lease was lost meanwhile (it was real and may have cost money).
   */
  @Transactional
  public Settled settle(
      ItemRepository.Held held,
      int attempt,
      AttemptResult r,
      ItemChange change,
      CapReservations.Reservation reservation,
      Instant now) {
    Optional<BigDecimal[]> deltas = settleAttempt(held, attempt, r, now);
    if (deltas.isEmpty()) {
      return Settled.ALREADY;
    }
    BigDecimal delta = deltas.get()[0];
    boolean moved = move(held, attempt, change, delta, now);
    if (!moved) {
      items.addCost(held.item(), delta);
    }
    if (reservation != null) {
      settleReservation(reservation, deltas.get()[1]);
    }
    return moved ? Settled.MOVED : Settled.LEASE_LOST;
  }

  /**
   * Settles a call that does not move the item (a caption call: the item stays RUNNING until its
   * image's own settle), and the caps' reservation, in one transaction; the item's cost takes the
   * call's. False when it was already settled.
   */
  @Transactional
  public boolean settleAside(
      ItemRepository.Held held,
      int attempt,
      AttemptResult r,
      CapReservations.Reservation reservation,
      Instant now) {
    Optional<BigDecimal[]> deltas = settleAttempt(held, attempt, r, now);
    if (deltas.isEmpty()) {
      return false;
    }
    items.addCost(held.item(), deltas.get()[0]);
    if (reservation != null) {
      settleReservation(reservation, deltas.get()[1]);
    }
    return true;
  }

  private Optional<BigDecimal[]> settleAttempt(
      ItemRepository.Held held, int attempt, AttemptResult r, Instant now) {
    jdbc.sql(LOCK_ITEM).param("item", held.item().value()).query(Integer.class).optional();
    return jdbc.sql(SETTLE_ATTEMPT)
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
        .param("possibly", r.possiblyBilled())
        .param("width", r.imageWidth())
        .param("height", r.imageHeight())
        .param("responseId", r.responseId())
        .param("item", held.item().value())
        .param("attempt", attempt)
        .query((rs, i) -> new BigDecimal[] {rs.getBigDecimal(1), rs.getBigDecimal(2)})
        .optional();
  }

  private boolean move(
      ItemRepository.Held held, int attempt, ItemChange change, BigDecimal delta, Instant now) {
    if (change instanceof ItemChange.EditEnded e) {
      boolean moved =
          items.endEdit(
              held,
              "edit " + e.editState() + " (" + e.errorType() + "); the previous image stays",
              delta,
              now);
      if (moved) {
        conversations.finishEdit(
            e.editId(), e.editState(), attempt, e.errorType(), e.errorMessage(), now);
      }
      return moved;
    }
    if (change instanceof ItemChange.Succeeded s) {
      boolean moved = succeed(held, s, delta, now);
      if (moved && s.turn() != null) {
        conversations.saveTurn(s.turn());
      }
      if (moved && s.editId() != null) {
        conversations.finishEdit(s.editId(), "SUCCEEDED", attempt, null, null, now);
      }
      return moved;
    }
    return moveOther(held, change, delta, now);
  }

  private boolean succeed(
      ItemRepository.Held held, ItemChange.Succeeded s, BigDecimal delta, Instant now) {
    return items.succeed(
        held,
        new ItemRepository.Success(
            s.modelServed(),
            s.imageKey(),
            s.sidecarKey(),
            Json.mapper().writeValueAsString(s.altText()),
            s.caption(),
            s.note(),
            s.altTextChecks() == null ? null : Json.mapper().writeValueAsString(s.altTextChecks())),
        delta,
        now);
  }

  private boolean moveOther(
      ItemRepository.Held held, ItemChange change, BigDecimal delta, Instant now) {
    if (change instanceof ItemChange.Requeued q) {
      return items.requeue(
          held,
          new ItemRepository.Requeue(
              q.notBefore(),
              q.nextModel(),
              q.routeReason(),
              q.errorType(),
              q.errorMessage(),
              q.note()),
          delta,
          now);
    }
    ItemChange.Finished f = (ItemChange.Finished) change;
    return items.finish(held, f.state(), f.errorType(), f.errorMessage(), f.note(), delta, now);
  }

  /**
   * Ends an edit that cannot be made (its conversation cannot be replayed, no endpoint serves its
   * model) without a call: the edit is FAILED and the item SUCCEEDED again with its image.
   */
  @Transactional
  public boolean endEditWithoutCall(
      ItemRepository.Held held,
      java.util.UUID editId,
      String errorType,
      String reason,
      Instant now) {
    boolean moved =
        items.endEdit(
            held,
            "edit FAILED (" + errorType + "); the previous image stays",
            BigDecimal.ZERO,
            now);
    if (moved) {
      conversations.finishEdit(editId, "FAILED", null, errorType, reason, now);
    }
    return moved;
  }

  /**
   * Ends an edit its batch's or tenant's cost cap has no room for, before any call: the edit is
   * CAP_REACHED and the item SUCCEEDED again with its image; raising the cap runs the edit again.
   */
  @Transactional
  public boolean endEditAtCap(
      ItemRepository.Held held, java.util.UUID editId, String reason, Instant now) {
    boolean moved =
        items.endEdit(
            held,
            "edit stopped at the cost cap (" + reason + "); the previous image stays",
            BigDecimal.ZERO,
            now);
    if (moved) {
      conversations.finishEdit(editId, "CAP_REACHED", null, "COST_CAP", reason, now);
    }
    return moved;
  }

  /** Room under the batch's cap for {@code amount}. */
  private static final String BATCH_CAP_HAS_ROOM =
      """
      SELECT cost_cap_usd IS NULL OR committed_usd + :amount <= cost_cap_usd
        FROM batches WHERE batch_id = :batch
      """;

  /** The same under the tenant's monthly cap. */
  private static final String TENANT_CAP_HAS_ROOM =
      """
      SELECT t.monthly_cap_usd IS NULL
             OR coalesce((SELECT s.committed_usd FROM tenant_spend s
                           WHERE s.tenant_id = t.tenant_id AND s.month = :month), 0)
                + :amount <= t.monthly_cap_usd
        FROM tenants t WHERE t.tenant_id = :tenant
      """;

  /**
   * True when both the batch's cap and the tenant's monthly cap have room for {@code amount}, read
   * after any change of either cap under way has committed ({@link CapChangeLocks}). Outside a
   * transaction: the wait is a statement of its own, so the reads that follow see what it waited
   * for.
   */
  public boolean capsHaveRoom(BatchId batch, TenantId tenant, String month, BigDecimal amount) {
    return capsHaveRoom(batch, tenant, month, amount, CAP_CHANGE_WAIT);
  }

  /**
   * How long the second look waits for a cap change under way: a change that hangs (an api frozen
   * mid-transaction) must not hold a worker thread for ever. Past it the answer is no room: the
   * item stays CAP_REACHED, where the next raise finds it.
   */
  static final Duration CAP_CHANGE_WAIT = Duration.ofSeconds(60);

  boolean capsHaveRoom(
      BatchId batch, TenantId tenant, String month, BigDecimal amount, Duration wait) {
    try {
      jdbc.sql(CapChangeLocks.AWAIT_CHANGES)
          .param("batch", batch.value())
          .param("tenant", tenant.value())
          .param("wait", wait.toMillis() + "ms")
          .query()
          .listOfRows();
    } catch (RuntimeException e) {
      if (!LockConflicts.lost(e)) {
        throw e;
      }
      log.warn(
          "a change of the cost cap of batch {} or tenant {} has been under way for over {}:"
              + " not looking again",
          batch,
          tenant,
          wait);
      return false;
    }
    boolean batchRoom =
        jdbc.sql(BATCH_CAP_HAS_ROOM)
            .param("batch", batch.value())
            .param("amount", amount)
            .query(Boolean.class)
            .optional()
            .orElse(false);
    return batchRoom
        && jdbc.sql(TENANT_CAP_HAS_ROOM)
            .param("tenant", tenant.value())
            .param("month", month)
            .param("amount", amount)
            .query(Boolean.class)
            .optional()
            .orElse(true);
  }

  /** CAP_REACHED for a held item the caps have no room for. */
  public boolean finishAtCap(ItemRepository.Held held, String reason, Instant now) {
    return items.finish(
        held, ItemState.CAP_REACHED, "COST_CAP", reason, null, BigDecimal.ZERO, now);
  }

  /** The edit a cap stopped on {@code item} runs again, if it is still the item's latest. */
  public boolean resumeCappedEdit(TenantId tenant, ItemId item, String note, Instant now) {
    return items.resumeCappedEdit(tenant, item, note, now);
  }

  /** QUEUED again for an item a cap stopped, as it was left at {@code version}. */
  public boolean resumeCapped(ItemId item, int version, String note, Instant now) {
    return items.resumeCappedItem(item, version, note, now);
  }

  /**
   * Reserves {@code amount} of the batch's cost cap for a call about to be made; false when the cap
   * has no room for it. Only called for capped batches: an uncapped batch's row is never touched.
   */
  public boolean reserveUnderCap(
      ItemId item, BatchId batch, BigDecimal amount, boolean tenantHeldToo) {
    return jdbc.sql(RESERVE_UNDER_CAP)
            .param("amount", amount)
            .param("batch", batch.value())
            .param("item", item.value())
            .param("keepTenant", tenantHeldToo)
            .update()
        == 1;
  }

  /**
   * Reserves {@code amount} of the tenant's monthly cap for a call of {@code item}; false when the
   * month has no room.
   */
  public boolean reserveUnderTenantCap(
      ItemId item,
      BatchId batch,
      TenantId tenant,
      String month,
      BigDecimal amount,
      BigDecimal cap) {
    return jdbc.sql(RESERVE_UNDER_TENANT_CAP)
            .param("tenant", tenant.value())
            .param("month", month)
            .param("amount", amount)
            .param("cap", cap)
            .param("item", item.value())
            .param("batch", batch.value())
            .update()
        == 1;
  }

  /** Drops {@code item}'s cap hold: its reservation was given back (after the caps' rows). */
  public void unhold(ItemId item) {
    jdbc.sql(UNHOLD).param("item", item.value()).update();
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

  /** The caps keep the call's cost instead of its reservation (delta = cost - reserved). */
  void settleReservation(CapReservations.Reservation r, BigDecimal delta) {
    if (r.batch()) {
      adjustCommitted(r.item().batch(), delta);
    }
    if (r.tenantMonth() != null) {
      adjustTenantCommitted(r.item().tenant(), r.tenantMonth(), delta);
    }
  }
}
