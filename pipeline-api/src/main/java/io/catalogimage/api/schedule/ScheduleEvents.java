package io.catalogimage.api.schedule;

import io.catalogimage.api.webhook.WebhookOutbox;
import io.catalogimage.common.id.TenantId;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * A schedule's webhook events, through the same outbox as a batch's (written in the transaction of
 * what they report, delivered and signed the same way): to the schedule's {@code
 * batch.callbackUrl}, else the tenant's webhook URL; with neither, none.
 */
@Component
class ScheduleEvents {

  static final String RUN_FAILED = "schedule.run_failed";
  static final String RUN_HELD = "schedule.run_held";
  static final String RUN_COMPLETED = "schedule.run_completed";

  private final JdbcClient jdbc;
  private final WebhookOutbox outbox;

  ScheduleEvents(JdbcClient jdbc, WebhookOutbox outbox) {
    this.jdbc = jdbc;
    this.outbox = outbox;
  }

  /** A run ended without images: FETCH_FAILED, REJECTED or MISSED, with the reason. */
  void runFailed(UUID schedule, UUID run, String state, String reason, Instant now) {
    send(schedule, run, RUN_FAILED, now, Map.of("state", state, "reason", reason));
  }

  /** A run waits for the merchant: the feed lost most of the catalog. */
  void runHeld(UUID schedule, UUID run, String reason, Instant now) {
    send(schedule, run, RUN_HELD, now, Map.of("state", "HELD", "reason", reason));
  }

  void runCompleted(UUID schedule, UUID run, Map<String, Object> counts, Instant now) {
    send(schedule, run, RUN_COMPLETED, now, counts);
  }

  private record Target(TenantId tenant, String name, String url) {}

  private void send(
      UUID schedule, UUID run, String type, Instant now, Map<String, Object> details) {
    Target target =
        jdbc.sql(
                """
                SELECT s.tenant_id, s.name,
                       coalesce(s.spec -> 'batch' ->> 'callbackUrl', t.webhook_url) AS url
                  FROM schedules s JOIN tenants t ON t.tenant_id = s.tenant_id
                 WHERE s.schedule_id = :s
                """)
            .param("s", schedule)
            .query(
                (rs, i) ->
                    new Target(
                        new TenantId(rs.getObject("tenant_id", UUID.class)),
                        rs.getString("name"),
                        rs.getString("url")))
            .optional()
            .orElse(null);
    if (target == null || target.url() == null) {
      return;
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("scheduleId", schedule.toString());
    data.put("runId", run.toString());
    data.put("name", target.name());
    data.putAll(details);
    data.put(
        "links",
        Map.of(
            "schedule",
            "/v1/schedules/" + schedule,
            "run",
            "/v1/schedules/" + schedule + "/runs/" + run));
    outbox.enqueue(
        target.tenant(),
        null,
        type,
        type + ":" + run + ":" + now.toEpochMilli(),
        target.url(),
        data,
        now);
  }
}
