package io.catalogimage.api.schedule;

import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.json.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The schedules table. Every query a tenant can reach is scoped to its tenant. */
@Repository
class ScheduleRepository {

  /** A schedule row. */
  record Stored(
      UUID id,
      TenantId tenant,
      ScheduleSpec spec,
      String sealedSecret,
      Instant pausedAt,
      Instant nextDueAt,
      Instant createdAt,
      Instant updatedAt) {}

  private static final String COLUMNS =
      "schedule_id, tenant_id, spec, sealed_secret, paused_at, next_due_at, created_at, updated_at";

  private static final String INSERT =
      """
      INSERT INTO schedules (schedule_id, tenant_id, name, spec, sealed_secret, paused_at,
                             next_due_at, created_at, updated_at)
      VALUES (:id, :tenant, :name, CAST(:spec AS jsonb), :secret, :paused, :next, :now, :now)
      """;

  private static final String UPDATE =
      """
      UPDATE schedules SET name = :name, spec = CAST(:spec AS jsonb), sealed_secret = :secret,
                           next_due_at = :next, updated_at = :now, version = version + 1
       WHERE schedule_id = :id AND tenant_id = :tenant
      """;

  private final JdbcClient jdbc;

  ScheduleRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  void insert(Stored s, Instant now) {
    jdbc.sql(INSERT)
        .param("id", s.id())
        .param("tenant", s.tenant().value())
        .param("name", s.spec().name())
        .param("spec", Json.mapper().writeValueAsString(s.spec()))
        .param("secret", s.sealedSecret())
        .param("paused", ts(s.pausedAt()))
        .param("next", ts(s.nextDueAt()))
        .param("now", Timestamp.from(now))
        .update();
  }

  boolean update(
      TenantId tenant, UUID id, ScheduleSpec spec, String secret, Instant next, Instant now) {
    return jdbc.sql(UPDATE)
            .param("name", spec.name())
            .param("spec", Json.mapper().writeValueAsString(spec))
            .param("secret", secret)
            .param("next", ts(next))
            .param("now", Timestamp.from(now))
            .param("id", id)
            .param("tenant", tenant.value())
            .update()
        == 1;
  }

  Optional<Stored> find(TenantId tenant, UUID id) {
    return jdbc.sql(
            "SELECT " + COLUMNS + " FROM schedules WHERE schedule_id = :id AND tenant_id = :t")
        .param("id", id)
        .param("t", tenant.value())
        .query(ScheduleRepository::row)
        .optional();
  }

  /**
   * The tenant's schedule, its row locked until the transaction ends (runs start one at a time).
   */
  Optional<Stored> lock(UUID id) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM schedules WHERE schedule_id = :id FOR UPDATE")
        .param("id", id)
        .query(ScheduleRepository::row)
        .optional();
  }

  /** Any tenant's (the scheduler's own work). */
  Optional<Stored> find(UUID id) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM schedules WHERE schedule_id = :id")
        .param("id", id)
        .query(ScheduleRepository::row)
        .optional();
  }

  List<Stored> list(TenantId tenant) {
    return jdbc.sql(
            "SELECT " + COLUMNS + " FROM schedules WHERE tenant_id = :t ORDER BY created_at")
        .param("t", tenant.value())
        .query(ScheduleRepository::row)
        .list();
  }

  boolean delete(TenantId tenant, UUID id) {
    return jdbc.sql("DELETE FROM schedules WHERE schedule_id = :id AND tenant_id = :t")
            .param("id", id)
            .param("t", tenant.value())
            .update()
        == 1;
  }

  void setPaused(UUID id, Instant pausedAt, Instant nextDue, Instant now) {
    jdbc.sql(
            """
            UPDATE schedules SET paused_at = :paused, next_due_at = :next, updated_at = :now,
                                 version = version + 1
             WHERE schedule_id = :id
            """)
        .param("paused", ts(pausedAt))
        .param("next", ts(nextDue))
        .param("now", Timestamp.from(now))
        .param("id", id)
        .update();
  }

  void setNextDue(UUID id, Instant next) {
    jdbc.sql("UPDATE schedules SET next_due_at = :next WHERE schedule_id = :id")
        .param("next", ts(next))
        .param("id", id)
        .update();
  }

  private static Stored row(ResultSet rs, int i) throws SQLException {
    return new Stored(
        rs.getObject("schedule_id", UUID.class),
        new TenantId(rs.getObject("tenant_id", UUID.class)),
        Json.mapper().readValue(rs.getString("spec"), ScheduleSpec.class),
        rs.getString("sealed_secret"),
        instant(rs, "paused_at"),
        instant(rs, "next_due_at"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"));
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }

  static Timestamp ts(Instant i) {
    return i == null ? null : Timestamp.from(i);
  }
}
