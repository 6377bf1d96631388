package io.catalogimage.api.batch;

import io.catalogimage.api.retry.RetriedOnLockConflict;
import io.catalogimage.common.batch.BatchRepository;
import io.catalogimage.common.db.CapChangeLocks;
import io.catalogimage.common.db.CommittedSpend;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * Changing a batch's cost cap. The money already committed is recounted from the ledger (settled
 * cost plus the reservations of calls in flight), so a cap set on a running batch starts right;
 * items stopped by the old cap (CAP_REACHED) run again, and a finished batch reopens.
 */
@Repository
class CostCaps {

  /** The money committed, from the ledger (CommittedSpend). */
  private static final String RECOUNT = CommittedSpend.OF_BATCH;

  /** Run once {@link #LOCK_BATCH_ROW} holds the row: the batch cannot be cancelled meanwhile. */
  private static final String SET_CAP =
      "UPDATE batches b SET cost_cap_usd = :cap, version = b.version + 1, committed_usd = "
          + RECOUNT
          + " WHERE b.batch_id = :batch AND b.tenant_id = :tenant RETURNING b.committed_usd";

  /**
   * The batch's row, locked before the recount reads the ledger: a settle that moved the batch's
   * committed money before is in the recount's snapshot, one after waits and adds its own on top.
   * (Locked and recounted in one statement, a settle committing in between was in neither.)
   */
  private static final String LOCK_BATCH_ROW =
      "SELECT 1 FROM batches WHERE batch_id = :batch AND tenant_id = :tenant"
          + " AND cancelled_at IS NULL FOR NO KEY UPDATE";

  /** Whether the batch is cancelled, and what it has committed; no row when there is no batch. */
  private static final String STATE =
      "SELECT b.cancelled_at IS NOT NULL AS cancelled, "
          + RECOUNT
          + " AS committed FROM batches b WHERE b.batch_id = :batch AND b.tenant_id = :tenant";

  private record State(boolean cancelled, BigDecimal committed) {}

  /** What a cap change did. */
  record Changed(BigDecimal committedUsd, int resumedItems) {}

  private final JdbcClient jdbc;
  private final ItemRepository items;
  private final BatchRepository batches;

  CostCaps(JdbcClient jdbc, ItemRepository items, BatchRepository batches) {
    this.jdbc = jdbc;
    this.items = items;
    this.batches = batches;
  }

  /**
   * Sets the cap (null removes it). Empty when there is no such batch; throws {@link
   * IllegalStateException} for a cancelled batch.
   */
  @Transactional
  @RetriedOnLockConflict
  Optional<Changed> setCap(TenantId tenant, BatchId batch, BigDecimal cap, Instant now) {
    // held until commit: a worker stopping an item at this cap waits for it, then looks again
    jdbc.sql(CapChangeLocks.LOCK_BATCH).param("batch", batch.value()).query().listOfRows();
    Optional<State> state =
        jdbc.sql(STATE)
            .param("batch", batch.value())
            .param("tenant", tenant.value())
            .query((rs, i) -> new State(rs.getBoolean("cancelled"), rs.getBigDecimal("committed")))
            .optional();
    if (state.isEmpty()) {
      return Optional.empty();
    }
    if (state.get().cancelled()) {
      throw cancelled();
    }
    // the items (and their counters) before the batch row: the order a worker's settle takes them
    // in (its item, its counters, then the batch's spend), so that neither waits on the other in a
    // cycle; all of it shows at once, at commit
    int resumed = 0;
    if (cap == null || cap.compareTo(state.get().committed()) > 0) {
      resumed =
          items.resumeCapped(
              tenant,
              batch,
              cap == null
                  ? "resumed: the cost cap was removed"
                  : "resumed: the cost cap was raised to $" + cap.toPlainString(),
              now);
    }
    boolean open =
        jdbc.sql(LOCK_BATCH_ROW)
            .param("batch", batch.value())
            .param("tenant", tenant.value())
            .query(Integer.class)
            .optional()
            .isPresent();
    if (!open) {
      throw cancelled(); // cancelled meanwhile: the resumed items roll back with this
    }
    BigDecimal committed =
        jdbc.sql(SET_CAP)
            .param("cap", cap)
            .param("batch", batch.value())
            .param("tenant", tenant.value())
            .query(BigDecimal.class)
            .single();
    if (resumed > 0) {
      batches.reopenResumed(tenant, batch);
    }
    return Optional.of(new Changed(committed, resumed));
  }

  private static IllegalStateException cancelled() {
    return new IllegalStateException("the batch was cancelled; its cap can no longer change");
  }
}
