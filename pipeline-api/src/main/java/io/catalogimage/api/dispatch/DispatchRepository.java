package io.catalogimage.api.dispatch;

import io.catalogimage.common.db.CommittedSpend;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** What dispatch and reclaim read; the state changes themselves are the ItemRepository's. */
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

  private static final String COUNT_OUTSTANDING =
      "SELECT count(*) FROM items WHERE state = 'DISPATCHED' AND lane = :lane";

  record DueItem(ItemId item, BatchId batch, TenantId tenant) {}

  private final JdbcClient jdbc;
  private final ItemRepository items;

  DispatchRepository(JdbcClient jdbc, ItemRepository items) {
    this.jdbc = jdbc;
    this.items = items;
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

  int markDispatched(List<ItemId> locked, Instant now) {
    return items.markDispatched(locked, now);
  }

  /** Throws when the database cannot be reached. */
  void ping() {
    jdbc.sql("SELECT 1").query(Integer.class).single();
  }

  long outstanding(String lane) {
    return jdbc.sql(COUNT_OUTSTANDING).param("lane", lane).query(Long.class).single();
  }

  int requeueStale(Instant now, java.time.Duration after) {
    return items.requeueStale(now, after);
  }

  /** Reclaims expired leases and settles their lost calls; returns the items queued again. */
  @Transactional
  int reclaimExpired(Instant now) {
    return items.reclaimExpired(now);
  }

  /** Deletes the cap holds that no recount counts any more; returns how many. */
  int dropStaleCapHolds() {
    return jdbc.sql(CommittedSpend.DROP_STALE_HOLDS).update();
  }
}
