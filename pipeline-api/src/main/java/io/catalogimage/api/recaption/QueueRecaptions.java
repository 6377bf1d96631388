package io.catalogimage.api.recaption;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.api.retry.RetriedOnLockConflict;
import io.catalogimage.common.batch.BatchRepository;
import io.catalogimage.common.batch.BatchSpec;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.json.Json;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Queues a recaption, all or nothing: the request's row and the selected items' moves back to the
 * queue (with the locales each captions again) in one transaction, and the batch reopens. From
 * there each item runs the path every item runs (dispatch, claim under a lease, reclaim if its
 * worker dies); a worker sees the recaption and makes caption calls only.
 */
@Component
class QueueRecaptions {

  private static final String BATCH =
      "SELECT spec, cancelled_at IS NOT NULL AS cancelled FROM batches"
          + " WHERE batch_id = :batch AND tenant_id = :tenant";

  /** Each asked item id with its state and whether it has an image (absent: not in the batch). */
  private static final String ITEMS_BY_ID =
      """
      SELECT CAST(item_id AS text) AS id, state, image_key IS NOT NULL AS has_image FROM items
       WHERE batch_id = :batch AND tenant_id = :tenant AND item_id = ANY(CAST(:ids AS uuid[]))
      """;

  private static final String SKUS_PRESENT =
      """
      SELECT DISTINCT sku FROM items
       WHERE batch_id = :batch AND tenant_id = :tenant AND sku = ANY(CAST(:skus AS text[]))
      """;

  private static final String INSERT =
      """
      INSERT INTO alt_text_recaptions (recaption_id, tenant_id, batch_id, request, request_hash,
                                       idempotency_key, items, created_at)
      VALUES (:id, :tenant, :batch, CAST(:request AS jsonb), :hash, :key, 0, :now)
      """;

  private static final String SET_COUNT =
      "UPDATE alt_text_recaptions SET items = :items WHERE recaption_id = :id";

  private static final String BY_KEY =
      """
      SELECT recaption_id, batch_id, request_hash, items FROM alt_text_recaptions
       WHERE tenant_id = :tenant AND idempotency_key = :key
      """;

  private static final String STATUS =
      """
      SELECT r.recaption_id, r.batch_id, r.request, r.items, r.created_at,
             (SELECT count(*) FROM items i WHERE i.recaption_id = r.recaption_id) AS pending,
             (SELECT count(*) FROM attempts a WHERE a.recaption_id = r.recaption_id) AS calls,
             (SELECT coalesce(sum(a.cost_usd), 0) FROM attempts a
               WHERE a.recaption_id = r.recaption_id) AS cost
        FROM alt_text_recaptions r
       WHERE r.recaption_id = :id AND r.batch_id = :batch AND r.tenant_id = :tenant
      """;

  /** What a recaption selects and captions again, checked against its batch. */
  record Selection(List<String> locales, ItemRepository.RecaptionFilter filter) {}

  /** A recaption recorded (or found again by its Idempotency-Key). */
  record Queued(UUID id, List<ItemId> items, int count, boolean replayed) {}

  /** How far a recaption is. */
  record Status(
      UUID id,
      UUID batch,
      String request,
      int items,
      long pending,
      long calls,
      java.math.BigDecimal cost,
      Instant createdAt) {}

  private final JdbcClient jdbc;
  private final ItemRepository items;
  private final BatchRepository batches;

  QueueRecaptions(JdbcClient jdbc, ItemRepository items, BatchRepository batches) {
    this.jdbc = jdbc;
    this.items = items;
    this.batches = batches;
  }

  /** The batch's spec; 404 when the tenant has no such batch, 409 when it was cancelled. */
  BatchSpec batch(TenantId tenant, BatchId batch) {
    Map<String, Object> row =
        jdbc
            .sql(BATCH)
            .param("batch", batch.value())
            .param("tenant", tenant.value())
            .query()
            .listOfRows()
            .stream()
            .findFirst()
            .orElseThrow(() -> ApiProblem.notFound("no batch " + batch));
    if (Boolean.TRUE.equals(row.get("cancelled"))) {
      throw conflict("the batch was cancelled; re-drive it before captioning its images again");
    }
    return Json.mapper().readValue(String.valueOf(row.get("spec")), BatchSpec.class);
  }

  /**
   * Every asked item id must be in the batch (404) and have an image that can be captioned now:
   * SUCCEEDED (409 otherwise); every asked SKU must be in the batch (404). The problem names the
   * first one that is not, by its index.
   */
  void checkTargets(TenantId tenant, BatchId batch, ItemRepository.RecaptionFilter filter) {
    if (!filter.items().isEmpty()) {
      Map<String, Map<String, Object>> found = new java.util.HashMap<>();
      jdbc.sql(ITEMS_BY_ID)
          .param("batch", batch.value())
          .param("tenant", tenant.value())
          .param("ids", filter.items().stream().map(ItemId::value).toArray(UUID[]::new))
          .query()
          .listOfRows()
          .forEach(r -> found.put(String.valueOf(r.get("id")), r));
      for (int i = 0; i < filter.items().size(); i++) {
        String id = filter.items().get(i).toString();
        Map<String, Object> row = found.get(id);
        if (row == null) {
          throw ApiProblem.notFound("no item " + id + " in batch " + batch)
              .at("filter.itemIds[" + i + "]");
        }
        if (!"SUCCEEDED".equals(row.get("state")) || !Boolean.TRUE.equals(row.get("has_image"))) {
          throw conflict(
                  "item "
                      + id
                      + " is "
                      + row.get("state")
                      + ": only a SUCCEEDED item has an image to caption again"
                      + ("SUCCEEDED".equals(row.get("state"))
                          ? ""
                          : " (wait for its run, edit or recaption to end)"))
              .at("filter.itemIds[" + i + "]");
        }
      }
    }
    if (!filter.skus().isEmpty()) {
      List<String> present =
          jdbc.sql(SKUS_PRESENT)
              .param("batch", batch.value())
              .param("tenant", tenant.value())
              .param("skus", filter.skus().toArray(String[]::new))
              .query(String.class)
              .list();
      for (int i = 0; i < filter.skus().size(); i++) {
        if (!present.contains(filter.skus().get(i))) {
          throw ApiProblem.notFound(
                  "no item with SKU '" + filter.skus().get(i) + "' in batch " + batch)
              .at("filter.skus[" + i + "]");
        }
      }
    }
  }

  /** The items a recaption would queue now (a dry run: nothing changes). */
  List<ItemId> preview(TenantId tenant, BatchId batch, Selection s) {
    return items.previewRecaptions(tenant, batch, s.filter(), s.locales());
  }

  /** The recaption an Idempotency-Key made, if any; 422 when it was made for another request. */
  Optional<Queued> replay(TenantId tenant, BatchId batch, String key, String hash) {
    if (key == null) {
      return Optional.empty();
    }
    return jdbc
        .sql(BY_KEY)
        .param("tenant", tenant.value())
        .param("key", key)
        .query()
        .listOfRows()
        .stream()
        .findFirst()
        .map(
            row -> {
              UUID id = (UUID) row.get("recaption_id");
              if (!hash.equals(row.get("request_hash"))
                  || !batch.value().equals(row.get("batch_id"))) {
                throw new ApiProblem(
                        HttpStatus.UNPROCESSABLE_ENTITY,
                        ProblemTypes.IDEMPOTENCY_KEY_REUSED,
                        "Idempotency key reused",
                        "Idempotency-Key '"
                            + key
                            + "' was used for another request (recaption "
                            + id
                            + "); use a new key for a new request")
                    .with("recaptionId", id.toString());
              }
              return new Queued(id, List.of(), ((Number) row.get("items")).intValue(), true);
            });
  }

  /** Records the request and queues every selected item, in one transaction. */
  @Transactional
  @RetriedOnLockConflict
  Queued queue(
      TenantId tenant,
      BatchId batch,
      Selection s,
      String request,
      String hash,
      String key,
      String realTimeLane,
      Instant now) {
    UUID id = UUID.randomUUID();
    jdbc.sql(INSERT)
        .param("id", id)
        .param("tenant", tenant.value())
        .param("batch", batch.value())
        .param("request", request)
        .param("hash", hash)
        .param("key", key)
        .param("now", Timestamp.from(now))
        .update();
    List<ItemId> queued =
        items.queueRecaptions(tenant, batch, s.filter(), s.locales(), id, realTimeLane, now);
    jdbc.sql(SET_COUNT).param("items", queued.size()).param("id", id).update();
    if (!queued.isEmpty()) {
      batches.reopenResumed(tenant, batch);
    }
    return new Queued(id, queued, queued.size(), false);
  }

  Optional<Status> status(TenantId tenant, BatchId batch, UUID id) {
    return jdbc.sql(STATUS)
        .param("id", id)
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .query(
            (rs, n) ->
                new Status(
                    rs.getObject("recaption_id", UUID.class),
                    rs.getObject("batch_id", UUID.class),
                    rs.getString("request"),
                    rs.getInt("items"),
                    rs.getLong("pending"),
                    rs.getLong("calls"),
                    rs.getBigDecimal("cost"),
                    rs.getTimestamp("created_at").toInstant()))
        .optional();
  }

  static ApiProblem conflict(String why) {
    return new ApiProblem(HttpStatus.CONFLICT, ProblemTypes.CONFLICT, "Not captionable now", why);
  }
}
