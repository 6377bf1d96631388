package io.catalogimage.api.batch;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.json.Json;
import io.catalogimage.common.storage.ObjectStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;

/**
 * The results manifest of a batch: one JSON line per item (product x variant) with its state, where
 * its image is, its alt text per locale, caption, model served, attempts, cost and error. Streamed
 * from the database row by row, so its size does not depend on memory.
 */
@Repository
class ManifestLines {

  private static final String LINES =
      """
      SELECT i.item_id, i.sku, i.variant, i.state, i.image_key, i.sidecar_key,
             CAST(i.alt_text AS text) AS alt_text,
             CAST(i.alt_text_checks AS text) AS alt_text_checks, i.caption, i.model_served,
             i.attempts - i.caption_calls AS attempts, i.caption_calls,
             i.cost_usd, i.last_error_type, i.last_error_message
        FROM items i
       WHERE i.batch_id = :batch AND i.tenant_id = :tenant
       ORDER BY i.item_no
      """;

  private final JdbcClient jdbc;
  private final ObjectStore store;

  ManifestLines(JdbcClient jdbc, ObjectStore store) {
    this.jdbc = jdbc;
    this.store = store;
  }

  /**
   * Writes every line to {@code out}.
   *
   * @param presignFor when set, each line also carries an {@code imageUrl} and a {@code sidecarUrl}
   *     valid this long
   * @return lines written
   */
  @Transactional(readOnly = true) // a cursor, not the whole result in memory
  public long write(TenantId tenant, BatchId batch, Duration presignFor, OutputStream out) {
    long[] lines = {0};
    jdbc.sql(LINES)
        .withFetchSize(500)
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .query(
            rs -> {
              Map<String, Object> line = new LinkedHashMap<>();
              line.put("itemId", rs.getObject("item_id", UUID.class).toString());
              line.put("sku", rs.getString("sku"));
              line.put("variant", rs.getString("variant"));
              line.put("state", rs.getString("state"));
              String imageKey = rs.getString("image_key");
              line.put("imageKey", imageKey);
              if (presignFor != null && imageKey != null) {
                line.put("imageUrl", store.presignedGet(imageKey, presignFor).toString());
              }
              String sidecarKey = rs.getString("sidecar_key");
              line.put("sidecarKey", sidecarKey);
              if (presignFor != null && sidecarKey != null) {
                line.put("sidecarUrl", store.presignedGet(sidecarKey, presignFor).toString());
              }
              String alt = rs.getString("alt_text");
              line.put(
                  "altText", alt == null ? null : Json.mapper().readValue(alt, JsonNode.class));
              String checks = rs.getString("alt_text_checks");
              if (checks != null) {
                // per locale: source (image-model / caption-model / merchant), checks run and
                // passed
                line.put("altTextChecks", Json.mapper().readValue(checks, JsonNode.class));
              }
              line.put("caption", rs.getString("caption"));
              line.put("modelServed", rs.getString("model_served"));
              line.put("attempts", rs.getInt("attempts"));
              line.put("captionCalls", rs.getInt("caption_calls"));
              BigDecimal cost = rs.getBigDecimal("cost_usd");
              line.put("costUsd", cost);
              String errorType = rs.getString("last_error_type");
              line.put(
                  "error",
                  errorType == null
                      ? null
                      : Map.of(
                          "type",
                          errorType,
                          "message",
                          String.valueOf(rs.getString("last_error_message"))));
              try {
                out.write(Json.mapper().writeValueAsBytes(line));
                out.write('\n');
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              lines[0]++;
            });
    return lines[0];
  }
}
