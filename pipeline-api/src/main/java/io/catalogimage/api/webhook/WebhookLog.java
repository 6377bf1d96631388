package io.catalogimage.api.webhook;

import io.catalogimage.common.id.TenantId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The delivery log: events with every attempt, scoped to the tenant. */
@Repository
class WebhookLog {

  private static final String EVENTS =
      """
      SELECT event_id, batch_id, type, url, state, attempts, created_at, next_attempt_at,
             delivered_at, last_error
        FROM webhook_events
       WHERE tenant_id = :tenant AND (CAST(:batch AS uuid) IS NULL OR batch_id = :batch)
       ORDER BY created_at DESC, event_id DESC LIMIT :limit
      """;

  private static final String ATTEMPTS =
      """
      SELECT event_id, attempt_no, attempted_at, status_code, error, duration_ms
        FROM webhook_attempts WHERE event_id = ANY(:ids) ORDER BY event_id, attempt_no
      """;

  private static final String REDELIVER =
      """
      UPDATE webhook_events SET state = 'PENDING', next_attempt_at = :now
       WHERE event_id = :id AND tenant_id = :tenant AND state = 'FAILED'
      """;

  private static final String EXISTS =
      "SELECT count(*) FROM webhook_events WHERE event_id = :id AND tenant_id = :tenant";

  /** One attempt to deliver an event. */
  record Attempt(int attempt, Instant at, Integer statusCode, String error, int durationMs) {}

  /**
   * One event and its attempts.
   *
   * @param state PENDING (waiting for its next attempt), DELIVERED or FAILED (retries used up)
   */
  record Event(
      String eventId,
      String batchId,
      String type,
      String url,
      String state,
      int attempts,
      Instant createdAt,
      Instant nextAttemptAt,
      Instant deliveredAt,
      String lastError,
      List<Attempt> log) {}

  private final JdbcClient jdbc;

  WebhookLog(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** The newest events of the tenant, of one batch when {@code batch} is not null. */
  List<Event> events(TenantId tenant, UUID batch, int limit) {
    List<Event> events =
        jdbc.sql(EVENTS)
            .param("tenant", tenant.value())
            .param("batch", batch)
            .param("limit", limit)
            .query((rs, i) -> event(rs))
            .list();
    if (events.isEmpty()) {
      return events;
    }
    Map<String, List<Attempt>> attempts = new LinkedHashMap<>();
    jdbc.sql(ATTEMPTS)
        .param("ids", events.stream().map(Event::eventId).toArray(String[]::new))
        .query(
            rs -> {
              attempts
                  .computeIfAbsent(rs.getString("event_id"), k -> new ArrayList<>())
                  .add(
                      new Attempt(
                          rs.getInt("attempt_no"),
                          rs.getTimestamp("attempted_at").toInstant(),
                          (Integer) rs.getObject("status_code"),
                          rs.getString("error"),
                          rs.getInt("duration_ms")));
            });
    return events.stream()
        .map(
            e ->
                new Event(
                    e.eventId(),
                    e.batchId(),
                    e.type(),
                    e.url(),
                    e.state(),
                    e.attempts(),
                    e.createdAt(),
                    e.nextAttemptAt(),
                    e.deliveredAt(),
                    e.lastError(),
                    attempts.getOrDefault(e.eventId(), List.of())))
        .toList();
  }

  /**
   * Queues a FAILED event for one more attempt, now.
   *
   * @return false when the tenant has no such event; true when it is (or already was) queued
   */
  boolean redeliver(TenantId tenant, String eventId, Instant now) {
    jdbc.sql(REDELIVER)
        .param("id", eventId)
        .param("tenant", tenant.value())
        .param("now", Timestamp.from(now))
        .update();
    return jdbc.sql(EXISTS)
            .param("id", eventId)
            .param("tenant", tenant.value())
            .query(Long.class)
            .single()
        > 0;
  }

  private static Event event(ResultSet rs) throws SQLException {
    UUID batch = rs.getObject("batch_id", UUID.class);
    return new Event(
        rs.getString("event_id"),
        batch == null ? null : batch.toString(),
        rs.getString("type"),
        rs.getString("url"),
        rs.getString("state"),
        rs.getInt("attempts"),
        instant(rs.getTimestamp("created_at")),
        "PENDING".equals(rs.getString("state"))
            ? instant(rs.getTimestamp("next_attempt_at"))
            : null,
        instant(rs.getTimestamp("delivered_at")),
        rs.getString("last_error"),
        List.of());
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
