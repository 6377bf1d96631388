package io.catalogimage.api.intake;

import io.catalogimage.api.webhook.WebhookEvents;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.id.Uuids;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.json.Json;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** Stores an accepted batch, its products and its items in one transaction. */
@Repository
class IntakeRepository {

  private static final String INSERT_BATCH =
      """
      INSERT INTO batches (batch_id, tenant_id, name, tier, lane, priority, spec,
                           product_count, item_count, state, created_at, deadline,
                           cost_cap_usd, allow_safety_reroute, eta, at_risk, callback_url)
      VALUES (:batchId, :tenantId, :name, :tier, :lane, :priority, CAST(:spec AS jsonb),
              :productCount, :itemCount, 'ACCEPTED', :now, :deadline, :costCap,
              :allowSafetyReroute, :eta, :atRisk, :callbackUrl)
      """;

  private static final String COPY_PRODUCTS =
      "COPY products (batch_id, product_no, tenant_id, sku, data) FROM STDIN (FORMAT csv)";

  private static final String COPY_ITEMS =
      """
      COPY items (item_id, tenant_id, batch_id, product_no, item_no, sku, variant, state,
                  lane, priority, not_before, created_at, updated_at)
      FROM STDIN (FORMAT csv)
      """;

  /** Items from products x variants; the two blanks narrow it to some variants per product. */
  private static final String EXPAND_ITEMS =
      """
      INSERT INTO items (item_id, tenant_id, batch_id, product_no, item_no, sku,
                         variant, state, lane, priority, not_before, created_at,
                         updated_at)
      SELECT CAST(overlay(overlay(overlay(md5(random()::text || p.product_no || '/' || v.ord)
                    PLACING b.ms_hex FROM 1 FOR 12) PLACING '7' FROM 13 FOR 1)
                    PLACING '8' FROM 17 FOR 1) AS uuid),
             p.tenant_id, p.batch_id, p.product_no,
             p.product_no * b.variant_count + (v.ord - 1), p.sku, v.variant ->> 'name',
             'QUEUED', b.lane, b.priority, coalesce(b.items_not_before, b.created_at),
             b.created_at, :now
        FROM (SELECT batch_id, lane, priority, items_not_before, created_at,
                     spec -> 'variants' AS variants,
                     jsonb_array_length(spec -> 'variants') AS variant_count,
                     lpad(to_hex(floor(extract(epoch FROM created_at) * 1000)::bigint),
                          12, '0') AS ms_hex
                FROM batches WHERE batch_id = :batch) b
        JOIN products p ON p.batch_id = b.batch_id %s
       CROSS JOIN jsonb_array_elements(b.variants) WITH ORDINALITY AS v(variant, ord) %s
      """;

  private final JdbcClient jdbc;
  private final DataSource dataSource;

  private final IdempotencyKeys idempotency;
  private final WebhookEvents events;

  IntakeRepository(
      JdbcClient jdbc, DataSource dataSource, IdempotencyKeys idempotency, WebhookEvents events) {
    this.idempotency = idempotency;
    this.events = events;
    this.jdbc = jdbc;
    this.dataSource = dataSource;
  }

  /** The submission answer of a stored batch (for an idempotent replay). */
  BatchAccepted accepted(TenantId tenant, BatchId batch) {
    return jdbc.sql(
            """
            SELECT name, product_count, item_count, deadline, eta, at_risk FROM batches
             WHERE batch_id = :b AND tenant_id = :t
            """)
        .param("b", batch.value())
        .param("t", tenant.value())
        .query(
            (rs, i) ->
                new BatchAccepted(
                    batch.toString(),
                    rs.getString("name"),
                    "ACCEPTED",
                    rs.getInt("product_count"),
                    rs.getInt("item_count"),
                    rs.getTimestamp("deadline") == null
                        ? null
                        : rs.getTimestamp("deadline").toInstant(),
                    rs.getTimestamp("eta") == null ? null : rs.getTimestamp("eta").toInstant(),
                    null,
                    rs.getString("at_risk"),
                    BatchAccepted.links(batch)))
        .single();
  }

  /**
   * Stores the batch, and the idempotency key that made it when there is one ({@code
   * idempotencyKey} null otherwise): a concurrent twin request fails on the key, and the whole
   * batch rolls back with it.
   */
  @Transactional
  void store(
      TenantId tenant,
      BatchId batch,
      ValidSubmission s,
      BatchPlan plan,
      Instant now,
      String idempotencyKey,
      byte[] requestHash) {
    insertBatch(tenant, batch, s, s.products().size(), s.itemCount(), plan, now);
    announceRisk(batch, s, plan, now);
    if (idempotencyKey != null) {
      idempotency.record(tenant, idempotencyKey, requestHash, batch);
    }
    Connection connection = DataSourceUtils.getConnection(dataSource);
    try {
      copyProducts(connection, tenant, batch, s.products());
      copyItems(connection, tenant, batch, s, now);
    } catch (SQLException e) {
      throw new IllegalStateException("could not store the batch's items", e);
    } finally {
      DataSourceUtils.releaseConnection(connection, dataSource);
    }
  }

  void insertBatch(
      TenantId tenant,
      BatchId batch,
      ValidSubmission s,
      long productCount,
      long itemCount,
      BatchPlan plan,
      Instant now) {
    jdbc.sql(INSERT_BATCH)
        .param("batchId", batch.value())
        .param("tenantId", tenant.value())
        .param("name", s.name())
        .param("tier", s.tier())
        .param("lane", s.lane())
        .param("priority", s.priority())
        .param("spec", Json.mapper().writeValueAsString(s.spec()))
        .param("productCount", productCount)
        .param("itemCount", itemCount)
        .param("now", Timestamp.from(now))
        .param("deadline", s.deadline() == null ? null : Timestamp.from(s.deadline()))
        .param("costCap", s.costCapUsd())
        .param("allowSafetyReroute", s.allowSafetyReroute())
        .param("eta", plan.eta() == null ? null : Timestamp.from(plan.eta()))
        .param("atRisk", plan.atRisk())
        .param("callbackUrl", s.callbackUrl())
        .update();
  }

  private static void copyProducts(
      Connection connection, TenantId tenant, BatchId batch, List<ValidSubmission.Product> products)
      throws SQLException {
    try (CopyWriter copy = CopyWriter.open(connection, COPY_PRODUCTS)) {
      for (int i = 0; i < products.size(); i++) {
        productRow(copy, tenant, batch, i, products.get(i));
      }
      copy.finish();
    }
  }

  /** Opens {@code COPY products} on the transaction's connection (streamed uploads). */
  CopyWriter copyProducts() throws SQLException {
    return CopyWriter.open(DataSourceUtils.getConnection(dataSource), COPY_PRODUCTS);
  }

  /**
   * Makes the items of an upload from its stored products and its batch row, in one statement
   * instead of 200,000 rows sent by the api: one per product and variant, due at {@code
   * items_not_before}, ids UUIDv7-shaped (the batch's creation millisecond, random bits from md5).
   * Clears {@code items_pending}. The caller holds the batch row (or wrote it in this transaction).
   */
  long expandItems(UUID batch, Instant now) {
    long items =
        jdbc.sql(EXPAND_ITEMS.formatted("", ""))
            .param("now", Timestamp.from(now))
            .param("batch", batch)
            .update();
    jdbc.sql("UPDATE batches SET items_pending = false WHERE batch_id = :batch")
        .param("batch", batch)
        .update();
    return items;
  }

  /**
   * As {@link #expandItems}, but only the variants whose bit is set in each product's mask (bit i =
   * the batch's i-th variant): a scheduled run generates the variants whose inputs changed.
   */
  long expandSelectedItems(UUID batch, Instant now, int[] productNos, int[] variantMasks) {
    Connection connection = DataSourceUtils.getConnection(dataSource);
    try {
      long items =
          jdbc.sql(
                  EXPAND_ITEMS.formatted(
                      "JOIN unnest(:nos, :masks) AS m(product_no, mask)"
                          + " ON m.product_no = p.product_no",
                      "WHERE (m.mask >> (v.ord::int - 1)) & 1 = 1"))
              .param("now", Timestamp.from(now))
              .param("batch", batch)
              .param("nos", connection.createArrayOf("int4", box(productNos)))
              .param("masks", connection.createArrayOf("int4", box(variantMasks)))
              .update();
      jdbc.sql("UPDATE batches SET items_pending = false, item_count = :items WHERE batch_id = :b")
          .param("items", items)
          .param("b", batch)
          .update();
      return items;
    } catch (SQLException e) {
      throw new IllegalStateException("could not make the batch's items", e);
    } finally {
      DataSourceUtils.releaseConnection(connection, dataSource);
    }
  }

  private static Integer[] box(int[] values) {
    Integer[] boxed = new Integer[values.length];
    for (int i = 0; i < values.length; i++) {
      boxed[i] = values[i];
    }
    return boxed;
  }

  /** A batch whose plan already misses its deadline sends {@code batch.at_risk} at once. */
  private void announceRisk(BatchId batch, ValidSubmission s, BatchPlan plan, Instant now) {
    if (plan.atRisk() != null && s.deadline() != null) {
      events.atRisk(batch.value(), s.deadline(), plan.atRisk(), now);
    }
  }

  /**
   * The counts and the plan of an upload, known once it has been read; its items are still to be
   * made ({@link #expandItems}), due at the batch's start.
   */
  void finishUploadedBatch(
      BatchId batch, ValidSubmission s, long products, long items, BatchPlan plan, Instant now) {
    announceRisk(batch, s, plan, now);
    jdbc.sql(
            """
            UPDATE batches SET product_count = :products, item_count = :items, eta = :eta,
                               at_risk = :atRisk, items_pending = true, items_not_before = :due
             WHERE batch_id = :batch
            """)
        .param("products", products)
        .param("items", items)
        .param("eta", plan.eta() == null ? null : Timestamp.from(plan.eta()))
        .param("atRisk", plan.atRisk())
        .param(
            "due",
            s.startAfter() != null && s.startAfter().isAfter(now)
                ? Timestamp.from(s.startAfter())
                : null)
        .param("batch", batch.value())
        .update();
  }

  /** One row of COPY_PRODUCTS. */
  static void productRow(
      CopyWriter copy, TenantId tenant, BatchId batch, int productNo, ValidSubmission.Product p)
      throws SQLException {
    copy.value(batch)
        .value(productNo)
        .value(tenant)
        .text(p.sku())
        .text(Json.mapper().writeValueAsString(p.data()))
        .endRow();
  }

  private static void copyItems(
      Connection connection, TenantId tenant, BatchId batch, ValidSubmission s, Instant now)
      throws SQLException {
    try (CopyWriter copy = CopyWriter.open(connection, COPY_ITEMS)) {
      for (int p = 0; p < s.products().size(); p++) {
        itemRows(copy, tenant, batch, s, p, s.products().get(p).sku(), now);
      }
      copy.finish();
    }
  }

  /** The COPY_ITEMS rows of one product: one per variant. */
  static void itemRows(
      CopyWriter copy,
      TenantId tenant,
      BatchId batch,
      ValidSubmission s,
      int productNo,
      String sku,
      Instant now)
      throws SQLException {
    List<VariantSpec> variants = s.spec().variants();
    String at = now.toString();
    String due =
        s.startAfter() != null && s.startAfter().isAfter(now) ? s.startAfter().toString() : at;
    for (int v = 0; v < variants.size(); v++) {
      copy.value(Uuids.v7())
          .value(tenant)
          .value(batch)
          .value(productNo)
          .value(productNo * variants.size() + v)
          .text(sku)
          .text(variants.get(v).name())
          .value(ItemState.QUEUED)
          .text(s.lane())
          .value(s.priority())
          .value(due)
          .value(at)
          .value(at)
          .endRow();
    }
  }
}
