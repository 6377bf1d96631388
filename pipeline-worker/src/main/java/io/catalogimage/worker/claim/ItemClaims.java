package io.catalogimage.worker.claim;

import io.catalogimage.common.batch.BatchSpec;
import io.catalogimage.common.batch.ProductData;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.json.Json;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Leases on items: a worker claims DISPATCHED items (one statement for a whole poll), renews the
 * leases it holds while it works, and its settle statements only apply while it still holds them.
 */
@Repository
public class ItemClaims {

  /**
   * Only waiting items are claimed: a re-delivered record of an item that is RUNNING elsewhere or
   * already SUCCEEDED matches nothing, so the provider is not called twice. A due QUEUED item is
   * claimable too: the record can arrive before the dispatcher's transaction commits; the claim
   * then waits for that row lock and re-checks the row as committed (DISPATCHED). A stale record of
   * an item waiting for a later retry (not_before in the future) claims nothing.
   */
  private static final String CLAIM =
      """
      UPDATE items i
         SET state = 'RUNNING', lease_owner = :worker, lease_until = :until,
             version = i.version + 1, updated_at = :now
        FROM batches b, products p, tenants t
       WHERE i.item_id = ANY(:ids)
         AND (i.state = 'DISPATCHED' OR (i.state = 'QUEUED' AND i.not_before <= :now))
         AND b.batch_id = i.batch_id
         AND p.batch_id = i.batch_id AND p.product_no = i.product_no
         AND t.tenant_id = i.tenant_id
      RETURNING i.item_id, i.tenant_id, i.batch_id, i.sku, i.variant, i.attempts, i.next_model,
                i.attempts_before_run,
                b.tier, b.spec, p.data,
                b.lane, b.deadline, b.cost_cap_usd, b.allow_safety_reroute, t.monthly_cap_usd
      """;

  /**
   * Renews only the leases of items the worker still works on: one it dropped (say after an
   * unexpected error) is left to expire and be reclaimed, not held forever.
   */
  private static final String RENEW =
      """
      UPDATE items SET lease_until = :until
       WHERE item_id = ANY(:ids) AND lease_owner = :worker AND state = 'RUNNING'
      """;

  private final JdbcClient jdbc;

  public ItemClaims(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public List<ClaimedItem> claim(List<ItemId> items, String worker, Instant now, Instant until) {
    if (items.isEmpty()) {
      return List.of();
    }
    return jdbc.sql(CLAIM)
        .param("ids", items.stream().map(ItemId::value).toArray(UUID[]::new))
        .param("worker", worker)
        .param("now", Timestamp.from(now))
        .param("until", Timestamp.from(until))
        .query(
            (rs, i) -> {
              BatchSpec spec = Json.mapper().readValue(rs.getString("spec"), BatchSpec.class);
              ProductData product =
                  Json.mapper().readValue(rs.getString("data"), ProductData.class);
              return new ClaimedItem(
                  new ItemId(rs.getObject("item_id", UUID.class)),
                  new TenantId(rs.getObject("tenant_id", UUID.class)),
                  new BatchId(rs.getObject("batch_id", UUID.class)),
                  rs.getString("sku"),
                  spec.variant(rs.getString("variant")),
                  rs.getString("tier"),
                  spec.altTextLocales(),
                  spec.styleGuide(),
                  product.prompt(),
                  rs.getInt("attempts"),
                  rs.getString("next_model"),
                  product.referenceImage(),
                  rs.getString("lane"),
                  rs.getTimestamp("deadline") == null
                      ? null
                      : rs.getTimestamp("deadline").toInstant(),
                  rs.getBigDecimal("cost_cap_usd"),
                  rs.getBoolean("allow_safety_reroute"),
                  rs.getBigDecimal("monthly_cap_usd"),
                  rs.getInt("attempts_before_run"));
            })
        .list();
  }

  /** Extends the leases of these items while this worker holds them; returns how many. */
  public int renew(List<ItemId> items, String worker, Instant until) {
    if (items.isEmpty()) {
      return 0;
    }
    return jdbc.sql(RENEW)
        .param("ids", items.stream().map(ItemId::value).toArray(UUID[]::new))
        .param("worker", worker)
        .param("until", Timestamp.from(until))
        .update();
  }
}
