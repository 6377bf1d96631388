package io.catalogimage.api.batch;

import io.catalogimage.api.batch.BatchViews.AttemptView;
import io.catalogimage.common.batch.BatchSpec;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.json.Json;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Read-side SQL of batches and items. Every query is scoped to the tenant. */
@Repository
class BatchQueries {

  private static final String BATCH =
      """
      SELECT batch_id, name, tier, state, spec, product_count, item_count, created_at, finished_at,
             lane, deadline, cost_cap_usd, committed_usd, allow_safety_reroute, eta, at_risk,
             items_pending
        FROM batches WHERE batch_id = :batch AND tenant_id = :tenant
      """;

  /** From the counters the item changes keep (V7), not by counting the batch's items. */
  private static final String COUNTS =
      """
      SELECT c.state, sum(c.n) AS n, sum(c.cost_usd) AS cost
        FROM batch_item_counts c
       WHERE c.batch_id = :batch
         AND EXISTS (SELECT 1 FROM batches b WHERE b.batch_id = :batch AND b.tenant_id = :tenant)
       GROUP BY c.state HAVING sum(c.n) <> 0
      """;

  /** From the counters the ledger's writes keep (V7), not by reading the batch's attempts. */
  private static final String USAGE_BY_MODEL =
      """
      SELECT u.model AS model_requested, sum(u.calls) AS calls, sum(u.images) AS images,
             sum(u.cost_usd) AS cost, sum(u.possibly_billed_usd) AS possibly
        FROM batch_model_usage u
       WHERE u.batch_id = :batch
         AND EXISTS (SELECT 1 FROM batches b WHERE b.batch_id = :batch AND b.tenant_id = :tenant)
       GROUP BY u.model HAVING sum(u.calls) <> 0 ORDER BY u.model
      """;

  private static final String ITEM_COLUMNS =
      """
      item_id, sku, variant, state, attempts - caption_calls AS attempts, caption_calls,
      model_served, cost_usd, last_error_type, last_error_message, note, updated_at, item_no
      """;

  private static final String ITEMS =
      "SELECT "
          + ITEM_COLUMNS
          + """
            FROM items WHERE batch_id = :batch AND tenant_id = :tenant AND item_no > :after
           ORDER BY item_no LIMIT :limit
          """;

  private static final String ITEMS_IN_STATE =
      "SELECT "
          + ITEM_COLUMNS
          + """
            FROM items WHERE batch_id = :batch AND tenant_id = :tenant AND state = :state
             AND item_no > :after
           ORDER BY item_no LIMIT :limit
          """;

  private static final String ITEM =
      """
      SELECT i.item_id, i.batch_id, i.sku, i.variant, i.state,
             i.attempts - i.caption_calls AS attempts, i.caption_calls, i.model_served,
             i.cost_usd, i.last_error_type, i.last_error_message, i.note, i.not_before,
             i.created_at, i.updated_at, i.finished_at, i.image_key, i.sidecar_key,
             p.data ->> 'prompt' AS prompt, b.spec
        FROM items i
        JOIN products p ON p.batch_id = i.batch_id AND p.product_no = i.product_no
        JOIN batches b ON b.batch_id = i.batch_id
       WHERE i.item_id = :item AND i.batch_id = :batch AND i.tenant_id = :tenant
      """;

  private static final String ATTEMPTS =
      """
      SELECT attempt_no, endpoint, model_requested, model_served, outcome, decision, http_status,
             error_message, started_at, finished_at, latency_ms, tokens_in, tokens_out,
             tokens_thinking, image_width, image_height, cost_usd, routed, possibly_billed
        FROM attempts WHERE item_id = :item AND tenant_id = :tenant ORDER BY attempt_no
      """;

  /** A batch row; {@code itemsPending}: an upload whose items are still being made. */
  record BatchRow(
      BatchId id,
      String name,
      String tier,
      String state,
      BatchSpec spec,
      int productCount,
      int itemCount,
      Instant createdAt,
      Instant finishedAt,
      String lane,
      Instant deadline,
      BigDecimal costCapUsd,
      BigDecimal committedUsd,
      boolean allowSafetyReroute,
      Instant eta,
      String atRisk,
      boolean itemsPending) {}

  record StateCount(ItemState state, long count, BigDecimal cost) {}

  record ItemRow(
      ItemId id,
      String sku,
      String variant,
      String state,
      int attempts,
      int captionCalls,
      String modelServed,
      BigDecimal cost,
      String lastErrorType,
      String lastErrorMessage,
      String note,
      Instant updatedAt,
      int itemNo) {}

  record ItemDetailRow(
      ItemId id,
      BatchId batch,
      String sku,
      String variant,
      String state,
      int attempts,
      int captionCalls,
      String modelServed,
      BigDecimal cost,
      String lastErrorType,
      String lastErrorMessage,
      String note,
      Instant notBefore,
      Instant createdAt,
      Instant updatedAt,
      Instant finishedAt,
      String imageKey,
      String sidecarKey,
      String prompt,
      BatchSpec spec) {}

  private final JdbcClient jdbc;

  BatchQueries(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** The tenant's most recent batches, newest first (index batches_by_tenant). */
  List<BatchId> recent(TenantId tenant, int limit) {
    return jdbc.sql(
            "SELECT batch_id FROM batches WHERE tenant_id = :tenant"
                + " ORDER BY created_at DESC LIMIT :limit")
        .param("tenant", tenant.value())
        .param("limit", limit)
        .query((rs, i) -> new BatchId(rs.getObject("batch_id", java.util.UUID.class)))
        .list();
  }

  Optional<BatchRow> batch(TenantId tenant, BatchId batch) {
    return jdbc.sql(BATCH)
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .query(
            (rs, i) ->
                new BatchRow(
                    batch,
                    rs.getString("name"),
                    rs.getString("tier"),
                    rs.getString("state"),
                    Json.mapper().readValue(rs.getString("spec"), BatchSpec.class),
                    rs.getInt("product_count"),
                    rs.getInt("item_count"),
                    instant(rs, "created_at"),
                    instant(rs, "finished_at"),
                    rs.getString("lane"),
                    instant(rs, "deadline"),
                    rs.getBigDecimal("cost_cap_usd"),
                    rs.getBigDecimal("committed_usd"),
                    rs.getBoolean("allow_safety_reroute"),
                    instant(rs, "eta"),
                    rs.getString("at_risk"),
                    rs.getBoolean("items_pending")))
        .optional();
  }

  Map<ItemState, StateCount> counts(TenantId tenant, BatchId batch) {
    Map<ItemState, StateCount> counts = new EnumMap<>(ItemState.class);
    for (ItemState s : ItemState.values()) {
      counts.put(s, new StateCount(s, 0, BigDecimal.ZERO));
    }
    jdbc.sql(COUNTS)
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .query(
            (rs, i) ->
                new StateCount(
                    ItemState.valueOf(rs.getString("state")),
                    rs.getLong("n"),
                    rs.getBigDecimal("cost")))
        .list()
        .forEach(c -> counts.put(c.state(), c));
    return counts;
  }

  Map<String, BatchViews.ModelUsage> usageByModel(TenantId tenant, BatchId batch) {
    Map<String, BatchViews.ModelUsage> usage = new LinkedHashMap<>();
    jdbc.sql(USAGE_BY_MODEL)
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .query(
            (rs, i) ->
                Map.entry(
                    rs.getString(1),
                    new BatchViews.ModelUsage(
                        rs.getLong("calls"),
                        rs.getLong("images"),
                        rs.getBigDecimal("cost"),
                        rs.getBigDecimal("possibly"))))
        .list()
        .forEach(e -> usage.put(e.getKey(), e.getValue()));
    return usage;
  }

  List<ItemRow> items(
      TenantId tenant, BatchId batch, Optional<ItemState> state, int afterItemNo, int limit) {
    var spec =
        state.isPresent()
            ? jdbc.sql(ITEMS_IN_STATE).param("state", state.get().name())
            : jdbc.sql(ITEMS);
    return spec.param("batch", batch.value())
        .param("tenant", tenant.value())
        .param("after", afterItemNo)
        .param("limit", limit)
        .query(
            (rs, i) ->
                new ItemRow(
                    new ItemId(rs.getObject("item_id", UUID.class)),
                    rs.getString("sku"),
                    rs.getString("variant"),
                    rs.getString("state"),
                    rs.getInt("attempts"),
                    rs.getInt("caption_calls"),
                    rs.getString("model_served"),
                    rs.getBigDecimal("cost_usd"),
                    rs.getString("last_error_type"),
                    rs.getString("last_error_message"),
                    rs.getString("note"),
                    instant(rs, "updated_at"),
                    rs.getInt("item_no")))
        .list();
  }

  Optional<ItemDetailRow> item(TenantId tenant, BatchId batch, ItemId item) {
    return jdbc.sql(ITEM)
        .param("item", item.value())
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .query(
            (rs, i) ->
                new ItemDetailRow(
                    item,
                    batch,
                    rs.getString("sku"),
                    rs.getString("variant"),
                    rs.getString("state"),
                    rs.getInt("attempts"),
                    rs.getInt("caption_calls"),
                    rs.getString("model_served"),
                    rs.getBigDecimal("cost_usd"),
                    rs.getString("last_error_type"),
                    rs.getString("last_error_message"),
                    rs.getString("note"),
                    instant(rs, "not_before"),
                    instant(rs, "created_at"),
                    instant(rs, "updated_at"),
                    instant(rs, "finished_at"),
                    rs.getString("image_key"),
                    rs.getString("sidecar_key"),
                    rs.getString("prompt"),
                    Json.mapper().readValue(rs.getString("spec"), BatchSpec.class)))
        .optional();
  }

  List<AttemptView> attempts(TenantId tenant, ItemId item) {
    return jdbc.sql(ATTEMPTS)
        .param("item", item.value())
        .param("tenant", tenant.value())
        .query(
            (rs, i) ->
                new AttemptView(
                    rs.getInt("attempt_no"),
                    rs.getString("endpoint"),
                    rs.getString("model_requested"),
                    rs.getString("model_served"),
                    rs.getString("outcome"),
                    rs.getString("decision"),
                    (Integer) rs.getObject("http_status"),
                    rs.getString("error_message"),
                    instant(rs, "started_at"),
                    instant(rs, "finished_at"),
                    (Integer) rs.getObject("latency_ms"),
                    (Integer) rs.getObject("tokens_in"),
                    (Integer) rs.getObject("tokens_out"),
                    (Integer) rs.getObject("tokens_thinking"),
                    rs.getObject("image_width") == null
                        ? null
                        : rs.getInt("image_width") + "x" + rs.getInt("image_height"),
                    rs.getBigDecimal("cost_usd"),
                    rs.getString("routed"),
                    rs.getBoolean("possibly_billed") ? Boolean.TRUE : null))
        .list();
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp ts = rs.getTimestamp(column);
    return ts == null ? null : ts.toInstant();
  }
}
