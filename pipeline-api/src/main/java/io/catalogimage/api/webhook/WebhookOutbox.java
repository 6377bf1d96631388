package io.catalogimage.api.webhook;

import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.id.Uuids;
import io.catalogimage.common.json.Json;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Writes events into the outbox, in the caller's transaction: an event exists exactly when what it
 * reports was committed. One event per occurrence ({@code dedupeKey}), however often it is seen.
 */
@Repository
public class WebhookOutbox {

  private static final String INSERT =
      """
      INSERT INTO webhook_events (event_id, tenant_id, batch_id, type, dedupe_key, url, body,
                                  next_attempt_at, created_at)
      VALUES (:id, :tenant, :batch, :type, :dedupe, :url, :body, :now, :now)
      ON CONFLICT (dedupe_key) DO NOTHING
      """;

  private final JdbcClient jdbc;

  WebhookOutbox(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Queues an event for {@code url} with the Standard Webhooks envelope {@code {"type",
   * "timestamp", "data"}}.
   *
   * @param batch the batch it is about, or null for a tenant's event
   * @return false when this occurrence was queued before
   */
  public boolean enqueue(
      TenantId tenant,
      UUID batch,
      String type,
      String dedupeKey,
      String url,
      Map<String, Object> data,
      Instant now) {
    Map<String, Object> envelope = new LinkedHashMap<>();
    envelope.put("type", type);
    envelope.put("timestamp", now.toString());
    envelope.put("data", data);
    return jdbc.sql(INSERT)
            .param("id", "msg_" + Uuids.v7().toString().replace("-", ""))
            .param("tenant", tenant.value())
            .param("batch", batch)
            .param("type", type)
            .param("dedupe", dedupeKey)
            .param("url", url)
            .param("body", Json.mapper().writeValueAsString(envelope))
            .param("now", Timestamp.from(now))
            .update()
        == 1;
  }
}
