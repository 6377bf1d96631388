package io.catalogimage.api.batch;

import io.catalogimage.api.intake.ExpandBatches;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * Cancelling a batch: items not yet called stop now; calls in flight finish and keep their result
 * (the provider is already working on them, and an image made is an image paid for).
 */
@Repository
class CancelBatches {

  private static final String MARK_BATCH =
      """
      UPDATE batches SET cancelled_at = coalesce(cancelled_at, :now), version = version + 1
       WHERE batch_id = :batch AND tenant_id = :tenant
      """;

  /** The transitions QUEUED, DISPATCHED and CAP_REACHED -> CANCELLED of ItemState's table. */
  private static final String CANCEL_WAITING =
      """
      UPDATE items SET state = 'CANCELLED', finished_at = :now, version = version + 1,
                       updated_at = :now, note = 'cancelled by request'
       WHERE batch_id = :batch AND tenant_id = :tenant
         AND state IN ('QUEUED', 'DISPATCHED', 'CAP_REACHED')
      """;

  private final JdbcClient jdbc;
  private final ExpandBatches expander;

  CancelBatches(JdbcClient jdbc, ExpandBatches expander) {
    this.jdbc = jdbc;
    this.expander = expander;
  }

  /** Returns how many items were cancelled now; -1 when there is no such batch. */
  @Transactional
  public int cancel(TenantId tenant, BatchId batch, Instant now) {
    // an upload's items may still be to make: made here first, so that they are cancelled too
    expander.expandIfPending(tenant, batch);
    int batches =
        jdbc.sql(MARK_BATCH)
            .param("now", Timestamp.from(now))
            .param("batch", batch.value())
            .param("tenant", tenant.value())
            .update();
    if (batches == 0) {
      return -1;
    }
    return jdbc.sql(CANCEL_WAITING)
        .param("now", Timestamp.from(now))
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .update();
  }
}
