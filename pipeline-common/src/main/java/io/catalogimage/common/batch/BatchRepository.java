package io.catalogimage.common.batch;

import static io.catalogimage.common.batch.BatchState.ACCEPTED;
import static io.catalogimage.common.batch.BatchState.COMPLETED;
import static io.catalogimage.common.batch.BatchState.RUNNING;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemState;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Every statement that changes a batch's state (and its cancel mark): its end, and its reopening by
 * a re-drive or a raised cap. Each guards on the from-states its move allows and bumps the version;
 * the database refuses any other move ({@code batch_state_moves}). Creating a batch is intake's.
 */
public class BatchRepository {

  /** A kind of state change: from these states to {@code to}. */
  public record Move(String what, Set<BatchState> from, BatchState to) {
    public Move {
      from = Set.copyOf(from);
      for (BatchState f : from) {
        if (f != to && !f.canMoveTo(to)) {
          throw new IllegalStateException(what + ": " + f + " may not move to " + to);
        }
      }
    }
  }

  public static final Move FINISH =
      new Move("every item is terminal", EnumSet.of(ACCEPTED, RUNNING), COMPLETED);
  public static final Move REOPEN =
      new Move("re-driven or resumed", EnumSet.of(ACCEPTED, RUNNING, COMPLETED), RUNNING);

  public static final List<Move> MOVES = List.of(FINISH, REOPEN);

  /** Item {@code i} is not finished: a state {@link ItemState#isTerminal} is false for. */
  private static final String ITEM_OPEN =
      "i.state IN ('QUEUED', 'DISPATCHED', 'RUNNING', 'IN_PROVIDER_BATCH')";

  private static final String FINISH_SQL =
      """
      UPDATE batches b SET state = 'COMPLETED', finished_at = :now, version = b.version + 1
       WHERE b.finished_at IS NULL AND NOT b.items_pending AND b.state IN ('ACCEPTED', 'RUNNING')
         AND NOT EXISTS (SELECT 1 FROM items i WHERE i.batch_id = b.batch_id AND %s)
      RETURNING b.batch_id
      """
          .formatted(ITEM_OPEN);

  private static final String MARK_CANCELLED_SQL =
      """
      UPDATE batches SET cancelled_at = coalesce(cancelled_at, :now), version = version + 1
       WHERE batch_id = :batch AND tenant_id = :tenant
      """;

  /** A re-drive: another tier maybe, no longer cancelled, its end and manifest to come again. */
  private static final String REDRIVE_SQL =
      """
      UPDATE batches SET tier = coalesce(:tier, tier), cancelled_at = NULL, finished_at = NULL,
                         manifest_key = NULL, state = 'RUNNING', version = version + 1
       WHERE batch_id = :batch AND tenant_id = :tenant
      """;

  private static final String RETIER_SQL =
      """
      UPDATE batches SET tier = :tier, version = version + 1
       WHERE batch_id = :batch AND tenant_id = :tenant
      """;

  /** Resumed items of a finished batch (a raised cap) reopen it. */
  private static final String REOPEN_SQL =
      """
      UPDATE batches SET finished_at = NULL, manifest_key = NULL, state = 'RUNNING',
                         version = version + 1
       WHERE tenant_id = :tenant AND (CAST(:batch AS uuid) IS NULL OR batch_id = :batch)
         AND finished_at IS NOT NULL AND cancelled_at IS NULL
         AND EXISTS (SELECT 1 FROM items i WHERE i.batch_id = batches.batch_id
                                             AND i.state = 'QUEUED')
      """;

  private final JdbcClient jdbc;

  public BatchRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** COMPLETED for every open batch whose items are all terminal; returns them. */
  public List<BatchId> finishDone(Instant now) {
    return jdbc.sql(FINISH_SQL)
        .param("now", Timestamp.from(now))
        .query((rs, i) -> new BatchId(rs.getObject(1, UUID.class)))
        .list();
  }

  /** Marks the batch cancelled (once); false when the tenant has no such batch. */
  public boolean markCancelled(TenantId tenant, BatchId batch, Instant now) {
    return jdbc.sql(MARK_CANCELLED_SQL)
            .param("now", Timestamp.from(now))
            .param("batch", batch.value())
            .param("tenant", tenant.value())
            .update()
        == 1;
  }

  /** Reopens a re-driven batch, on {@code tier} when given. */
  public void reopenForRedrive(TenantId tenant, BatchId batch, String tier) {
    jdbc.sql(REDRIVE_SQL)
        .param("tier", tier)
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .update();
  }

  /**
   * True when the batch is cancelled and some of its items are not finished yet: items a worker
   * holds, which end CANCELLED when it reaches them unless the batch is reopened first.
   */
  public boolean cancelledWithItemsUnfinished(TenantId tenant, BatchId batch) {
    return jdbc.sql(CANCELLED_WITH_ITEMS_UNFINISHED_SQL)
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .query(Boolean.class)
        .single();
  }

  private static final String CANCELLED_WITH_ITEMS_UNFINISHED_SQL =
      """
      SELECT EXISTS (SELECT 1 FROM batches b JOIN items i ON i.batch_id = b.batch_id
                      WHERE b.batch_id = :batch AND b.tenant_id = :tenant
                        AND b.cancelled_at IS NOT NULL AND %s)
      """
          .formatted(ITEM_OPEN);

  public void retier(TenantId tenant, BatchId batch, String tier) {
    jdbc.sql(RETIER_SQL)
        .param("tier", tier)
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .update();
  }

  /**
   * Reopens finished batches that have queued items again (resumed by a cap change): one batch's,
   * or all the tenant's when {@code batch} is null.
   */
  public int reopenResumed(TenantId tenant, BatchId batch) {
    return jdbc.sql(REOPEN_SQL)
        .param("batch", batch == null ? null : batch.value())
        .param("tenant", tenant.value())
        .update();
  }
}
