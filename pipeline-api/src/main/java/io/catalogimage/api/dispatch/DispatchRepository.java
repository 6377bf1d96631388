package io.catalogimage.api.dispatch;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** The SQL of dispatch and reclaim. */
@Repository
class DispatchRepository {

  /** Locks due items; other dispatchers skip them, so several api replicas can run this. */
  private static final String LOCK_DUE =
      """
      SELECT item_id, batch_id, tenant_id FROM items
       WHERE state = 'QUEUED' AND lane = :lane AND not_before <= :now
       ORDER BY priority DESC, not_before
       LIMIT :limit
       FOR UPDATE SKIP LOCKED
      """;

  /** Inside a peak window, a deferred lane gives only the items whose deadline cannot wait. */
  private static final String LOCK_DUE_URGENT =
      """
      SELECT item_id, batch_id, tenant_id FROM items
       WHERE state = 'QUEUED' AND lane = :lane AND not_before <= :now
         AND EXISTS (SELECT 1 FROM batches b
                      WHERE b.batch_id = items.batch_id AND b.deadline < :urgentBefore)
       ORDER BY priority DESC, not_before
       LIMIT :limit
       FOR UPDATE SKIP LOCKED
      """;

  private static final String MARK_DISPATCHED =
      """
      UPDATE items SET state = 'DISPATCHED', dispatched_at = :now, version = version + 1,
                       updated_at = :now, note = NULL
       WHERE item_id = ANY(:ids) AND state = 'QUEUED'
      """;

  private static final String COUNT_OUTSTANDING =
      "SELECT count(*) FROM items WHERE state = 'DISPATCHED' AND lane = :lane";

  /** Items no worker took in time go back to the queue (the record may have been lost). */
  private static final String REQUEUE_STALE =
      """
      UPDATE items SET state = 'QUEUED', dispatched_at = NULL, version = version + 1,
                       updated_at = :now, not_before = :now,
                       note = 'sent again: no worker took it within ' || :after
       WHERE state = 'DISPATCHED' AND dispatched_at < :cutoff
      """;

  /**
   * Leases that ran out belong to workers that died or stalled: their items are queued again (or
   * end CANCELLED when their batch was cancelled meanwhile).
   */
  private static final String RECLAIM_EXPIRED =
      """
      UPDATE items SET state = CASE WHEN b.cancelled_at IS NULL THEN 'QUEUED' ELSE 'CANCELLED' END,
                       finished_at = CASE WHEN b.cancelled_at IS NULL THEN NULL
                                        ELSE CAST(:now AS timestamptz) END,
                       not_before = :now, version = items.version + 1, updated_at = :now,
                       note = 'lease of ' || lease_owner || ' expired at ' || lease_until
                              || CASE WHEN b.cancelled_at IS NULL THEN '; sent again'
                                      ELSE '; batch cancelled' END,
                       lease_owner = NULL, lease_until = NULL
        FROM batches b
       WHERE b.batch_id = items.batch_id AND items.state = 'RUNNING' AND items.lease_until < :now
      RETURNING item_id
      """;

  /**
   * Calls the dead worker had in flight are settled at the reserved cost: we may have been billed.
   */
  private static final String ABANDON_CALLS =
      """
      UPDATE attempts SET outcome = 'ABANDONED', finished_at = :now, cost_usd = reserved_usd,
                          decision = 'worker lost during the call; item sent again'
       WHERE item_id = ANY(:ids) AND outcome = 'IN_FLIGHT'
      RETURNING item_id, cost_usd
      """;

  private static final String ADD_COST =
      "UPDATE items SET cost_usd = cost_usd + :cost WHERE item_id = :itemId";

  record DueItem(ItemId item, BatchId batch, TenantId tenant) {}

  private final JdbcClient jdbc;

  DispatchRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  List<DueItem> lockDue(String lane, Instant now, int limit) {
    return lockDue(jdbc.sql(LOCK_DUE), lane, now, limit);
  }

  /** Due items of batches whose deadline is before {@code urgentBefore} (peak deferral). */
  List<DueItem> lockDueUrgent(String lane, Instant now, Instant urgentBefore, int limit) {
    return lockDue(
        jdbc.sql(LOCK_DUE_URGENT).param("urgentBefore", Timestamp.from(urgentBefore)),
        lane,
        now,
        limit);
  }

  private List<DueItem> lockDue(JdbcClient.StatementSpec sql, String lane, Instant now, int limit) {
    return sql.param("lane", lane)
        .param("now", Timestamp.from(now))
        .param("limit", limit)
        .query(
            (rs, i) ->
                new DueItem(
                    new ItemId(rs.getObject(1, UUID.class)),
                    new BatchId(rs.getObject(2, UUID.class)),
                    new TenantId(rs.getObject(3, UUID.class))))
        .list();
  }

  int markDispatched(List<ItemId> items, Instant now) {
    UUID[] ids = items.stream().map(ItemId::value).toArray(UUID[]::new);
    return jdbc.sql(MARK_DISPATCHED).param("ids", ids).param("now", Timestamp.from(now)).update();
  }

  long outstanding(String lane) {
    return jdbc.sql(COUNT_OUTSTANDING).param("lane", lane).query(Long.class).single();
  }

  int requeueStale(Instant now, java.time.Duration after) {
    return jdbc.sql(REQUEUE_STALE)
        .param("now", Timestamp.from(now))
        .param("cutoff", Timestamp.from(now.minus(after)))
        .param("after", after.toString())
        .update();
  }

  /** Reclaims expired leases and settles their lost calls; returns the items queued again. */
  @Transactional
  int reclaimExpired(Instant now) {
    UUID[] reclaimed =
        jdbc.sql(RECLAIM_EXPIRED)
            .param("now", Timestamp.from(now))
            .query(UUID.class)
            .list()
            .toArray(UUID[]::new);
    if (reclaimed.length == 0) {
      return 0;
    }
    List<Map.Entry<UUID, BigDecimal>> abandoned =
        jdbc.sql(ABANDON_CALLS)
            .param("ids", reclaimed)
            .param("now", Timestamp.from(now))
            .query((rs, i) -> Map.entry(rs.getObject(1, UUID.class), rs.getBigDecimal(2)))
            .list();
    for (Map.Entry<UUID, BigDecimal> call : abandoned) {
      jdbc.sql(ADD_COST).param("cost", call.getValue()).param("itemId", call.getKey()).update();
    }
    return reclaimed.length;
  }
}
