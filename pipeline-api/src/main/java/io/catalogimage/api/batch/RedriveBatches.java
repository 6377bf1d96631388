package io.catalogimage.api.batch;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemState;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * Re-drive: items that ended FAILED, BLOCKED or CANCELLED run again, optionally on another tier,
 * each with its full retries (attempts before the run are remembered, attempt numbers go on).
 * Succeeded items are never touched. The batch reopens and is no longer cancelled.
 */
@Repository
class RedriveBatches {

  private static final String REQUEUE =
      """
      UPDATE items SET state = 'QUEUED', not_before = :now, finished_at = NULL,
                       dispatched_at = NULL, next_model = NULL,
                       attempts_before_run = attempts, version = version + 1, updated_at = :now,
                       note = 're-driven at ' || :nowText || ' (was ' || state || ')'
       WHERE batch_id = :batch AND tenant_id = :tenant AND state = ANY(:states)
      """;

  private static final String REOPEN =
      """
      UPDATE batches SET tier = coalesce(:tier, tier), cancelled_at = NULL, finished_at = NULL,
                         manifest_key = NULL, state = 'RUNNING', version = version + 1
       WHERE batch_id = :batch AND tenant_id = :tenant
      """;

  private static final String RETIER =
      "UPDATE batches SET tier = :tier WHERE batch_id = :batch AND tenant_id = :tenant";

  private final JdbcClient jdbc;

  RedriveBatches(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Returns how many items run again. The caller has checked that the batch exists. */
  @Transactional
  int redrive(TenantId tenant, BatchId batch, Set<ItemState> states, String tier, Instant now) {
    for (ItemState s : states) {
      if (!s.canMoveTo(ItemState.QUEUED) || s == ItemState.CAP_REACHED) {
        throw new IllegalArgumentException(s + " items cannot be re-driven");
      }
    }
    int requeued =
        jdbc.sql(REQUEUE)
            .param("now", Timestamp.from(now))
            .param("nowText", now.toString())
            .param("batch", batch.value())
            .param("tenant", tenant.value())
            .param("states", states.stream().map(Enum::name).toArray(String[]::new))
            .update();
    if (requeued > 0) {
      jdbc.sql(REOPEN)
          .param("tier", tier)
          .param("batch", batch.value())
          .param("tenant", tenant.value())
          .update();
    } else if (tier != null) {
      jdbc.sql(RETIER)
          .param("tier", tier)
          .param("batch", batch.value())
          .param("tenant", tenant.value())
          .update();
    }
    return requeued;
  }
}
