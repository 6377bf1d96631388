package io.catalogimage.api.schedule;

import static io.catalogimage.api.schedule.ScheduleRepository.instant;
import static io.catalogimage.api.schedule.ScheduleRepository.ts;

import io.catalogimage.api.problem.FieldProblem;
import io.catalogimage.common.id.TenantId;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Runs, their bad rows and removed lines, and the schedule's catalog state. */
@Repository
class RunRepository {

  /** What the scheduler needs of a run. */
  record Run(
      UUID id,
      UUID schedule,
      TenantId tenant,
      String trigger,
      Instant due,
      Instant deadline,
      RunState state,
      UUID batch,
      int fetchAttempts,
      Instant confirmedAt,
      Instant startedAt,
      Instant diffedAt) {}

  /** A run as the api shows it. */
  record RunView(
      UUID id,
      UUID schedule,
      String trigger,
      RunState state,
      String reason,
      Instant dueAt,
      Instant deadline,
      UUID batch,
      String lane,
      int fetchAttempts,
      Instant nextAttemptAt,
      Long feedProducts,
      Long newProducts,
      Long changedProducts,
      Long unchangedProducts,
      Long removedProducts,
      long badRows,
      Long itemsQueued,
      Long generated,
      Long reused,
      Long removed,
      Long failed,
      BigDecimal costUsd,
      Instant eta,
      String atRisk,
      Instant confirmedAt,
      Instant startedAt,
      Instant diffedAt,
      Instant finishedAt,
      String manifestKey,
      Instant createdAt) {}

  /** What the diff found and made, written when the run's batch is stored. */
  record Diffed(
      UUID batch,
      String lane,
      long feedProducts,
      long newProducts,
      long changedProducts,
      long unchangedProducts,
      long removedProducts,
      long badRows,
      long itemsQueued,
      long reusedLines,
      long removedLines,
      Instant eta,
      String atRisk) {}

  private static final String RUN_COLUMNS =
      """
      run_id, schedule_id, tenant_id, trigger, due_at, deadline, state, batch_id, fetch_attempts,
      confirmed_at, started_at, diffed_at
      """;

  private static final String INSERT =
      """
      INSERT INTO schedule_runs (run_id, schedule_id, tenant_id, trigger, due_at, deadline, state,
                                 reason, started_at, finished_at, created_at)
      VALUES (:id, :schedule, :tenant, :trigger, :due, :deadline, :state, :reason, :started,
              :finished, :now)
      ON CONFLICT (schedule_id, due_at, trigger) DO NOTHING
      """;

  private static final String VIEW =
      """
      SELECT r.*, coalesce(r.at_risk, b.at_risk) AS risk,
             (SELECT sum(c.cost_usd) FROM batch_item_counts c WHERE c.batch_id = r.batch_id)
               AS batch_cost
        FROM schedule_runs r LEFT JOIN batches b ON b.batch_id = r.batch_id
      """;

  private final JdbcClient jdbc;

  RunRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** Inserts a run; false when this schedule already has one for this due time and trigger. */
  boolean insert(
      UUID id,
      UUID schedule,
      TenantId tenant,
      String trigger,
      Instant due,
      Instant deadline,
      RunState state,
      String reason,
      Instant now) {
    boolean ended = !RunState.OPEN.contains(state.name());
    return jdbc.sql(INSERT)
            .param("id", id)
            .param("schedule", schedule)
            .param("tenant", tenant.value())
            .param("trigger", trigger)
            .param("due", Timestamp.from(due))
            .param("deadline", ts(deadline))
            .param("state", state.name())
            .param("reason", reason)
            .param("started", state == RunState.FETCHING ? Timestamp.from(now) : null)
            .param("finished", ended ? Timestamp.from(now) : null)
            .param("now", Timestamp.from(now))
            .update()
        == 1;
  }

  /** The schedule's open runs, oldest first. */
  List<Run> open(UUID schedule) {
    return jdbc.sql(
            "SELECT "
                + RUN_COLUMNS
                + " FROM schedule_runs WHERE schedule_id = :s AND state IN (:open)"
                + " ORDER BY created_at")
        .param("s", schedule)
        .param("open", RunState.OPEN)
        .query(RunRepository::run)
        .list();
  }

  Optional<Run> find(UUID id) {
    return jdbc.sql("SELECT " + RUN_COLUMNS + " FROM schedule_runs WHERE run_id = :id")
        .param("id", id)
        .query(RunRepository::run)
        .optional();
  }

  /** The run, its row locked until the transaction ends. */
  Optional<Run> lock(UUID id) {
    return jdbc.sql("SELECT " + RUN_COLUMNS + " FROM schedule_runs WHERE run_id = :id FOR UPDATE")
        .param("id", id)
        .query(RunRepository::run)
        .optional();
  }

  /** Moves a run on, from the state it is known to be in (false when it was not). */
  boolean move(UUID id, RunState from, RunState to, String reason, Instant now) {
    boolean ended = !RunState.OPEN.contains(to.name());
    return jdbc.sql(
                """
                UPDATE schedule_runs
                   SET state = :to, reason = :reason, version = version + 1,
                       started_at = CASE WHEN :to = 'FETCHING' THEN coalesce(started_at, :now)
                                         ELSE started_at END,
                       finished_at = CASE WHEN :ended THEN :now ELSE finished_at END,
                       next_attempt_at = NULL
                 WHERE run_id = :id AND state = :from
                """)
            .param("to", to.name())
            .param("reason", reason)
            .param("now", Timestamp.from(now))
            .param("ended", ended)
            .param("id", id)
            .param("from", from.name())
            .update()
        == 1;
  }

  void confirm(UUID id, Instant now) {
    jdbc.sql(
            """
            UPDATE schedule_runs SET state = 'FETCHING', confirmed_at = :now, reason = NULL,
                                     fetch_attempts = 0, version = version + 1
             WHERE run_id = :id AND state = 'HELD'
            """)
        .param("now", Timestamp.from(now))
        .param("id", id)
        .update();
  }

  void retryLater(UUID id, int attempts, Instant next, String reason) {
    jdbc.sql(
            """
            UPDATE schedule_runs SET fetch_attempts = :attempts, next_attempt_at = :next,
                                     reason = :reason, version = version + 1
             WHERE run_id = :id
            """)
        .param("attempts", attempts)
        .param("next", Timestamp.from(next))
        .param("reason", reason)
        .param("id", id)
        .update();
  }

  void countAttempt(UUID id, int attempts) {
    jdbc.sql("UPDATE schedule_runs SET fetch_attempts = :a WHERE run_id = :id")
        .param("a", attempts)
        .param("id", id)
        .update();
  }

  /** The diff is stored: the run now waits for its batch (none when nothing changed). */
  void diffed(UUID id, Diffed d, Instant now) {
    jdbc.sql(
            """
            UPDATE schedule_runs
               SET state = 'GENERATING', reason = NULL, batch_id = :batch, lane = :lane,
                   feed_products = :feed, new_products = :new, changed_products = :changed,
                   unchanged_products = :unchanged, removed_products = :removedProducts,
                   bad_rows = :bad, items_queued = :items, reused = :reused,
                   removed = :removedLines, eta = :eta, at_risk = :risk, diffed_at = :now,
                   next_attempt_at = NULL, version = version + 1
             WHERE run_id = :id
            """)
        .param("batch", d.batch())
        .param("lane", d.lane())
        .param("feed", d.feedProducts())
        .param("new", d.newProducts())
        .param("changed", d.changedProducts())
        .param("unchanged", d.unchangedProducts())
        .param("removedProducts", d.removedProducts())
        .param("bad", d.badRows())
        .param("items", d.itemsQueued())
        .param("reused", d.reusedLines())
        .param("removedLines", d.removedLines())
        .param("eta", ts(d.eta()))
        .param("risk", d.atRisk())
        .param("now", Timestamp.from(now))
        .param("id", id)
        .update();
  }

  /** Counts of a feed that was not used (held or rejected), for the merchant to judge. */
  void feedCounts(UUID id, long feedProducts, long badRows, long removedProducts) {
    jdbc.sql(
            """
            UPDATE schedule_runs SET feed_products = :feed, bad_rows = :bad,
                                     removed_products = :removed
             WHERE run_id = :id
            """)
        .param("feed", feedProducts)
        .param("bad", badRows)
        .param("removed", removedProducts)
        .param("id", id)
        .update();
  }

  void badRows(UUID id, List<FieldProblem> problems) {
    int ordinal = 0;
    jdbc.sql("DELETE FROM schedule_run_errors WHERE run_id = :id").param("id", id).update();
    for (FieldProblem p : problems) {
      jdbc.sql(
              """
              INSERT INTO schedule_run_errors (run_id, ordinal, line, field, message)
              VALUES (:id, :ordinal, :line, :field, :message)
              """)
          .param("id", id)
          .param("ordinal", ordinal++)
          .param("line", p.line())
          .param("field", p.field())
          .param("message", p.message())
          .update();
    }
  }

  List<FieldProblem> errors(UUID run) {
    return jdbc.sql(
            "SELECT line, field, message FROM schedule_run_errors WHERE run_id = :id ORDER BY ordinal")
        .param("id", run)
        .query(
            (rs, i) ->
                new FieldProblem(
                    rs.getString("field"),
                    rs.getObject("line") == null ? null : rs.getLong("line"),
                    rs.getString("message")))
        .list();
  }

  /** The oldest run waiting behind others (overlap queue-one), if any. */
  Optional<Run> oldestQueued(UUID schedule) {
    return jdbc
        .sql(
            "SELECT "
                + RUN_COLUMNS
                + " FROM schedule_runs WHERE schedule_id = :s AND state = 'QUEUED'"
                + " ORDER BY created_at LIMIT 1")
        .param("s", schedule)
        .query(RunRepository::run)
        .list()
        .stream()
        .findFirst();
  }

  /** Runs whose batch has finished (or that made none), for one pass of FinishRuns. */
  List<UUID> finishable(int limit) {
    return jdbc.sql(
            """
            SELECT r.run_id FROM schedule_runs r LEFT JOIN batches b ON b.batch_id = r.batch_id
             WHERE r.state = 'GENERATING' AND (r.batch_id IS NULL OR b.finished_at IS NOT NULL)
             ORDER BY r.diffed_at LIMIT :limit
            """)
        .param("limit", limit)
        .query(UUID.class)
        .list();
  }

  /** Ends a generating run with its counts, cost and manifest. */
  void finished(
      UUID id, long generated, long failed, BigDecimal cost, String manifestKey, Instant now) {
    jdbc.sql(
            """
            UPDATE schedule_runs SET state = 'COMPLETED', generated = :generated, failed = :failed,
                                     cost_usd = :cost, manifest_key = :manifest,
                                     finished_at = :now, version = version + 1
             WHERE run_id = :id AND state = 'GENERATING'
            """)
        .param("generated", generated)
        .param("failed", failed)
        .param("cost", cost)
        .param("manifest", manifestKey)
        .param("now", Timestamp.from(now))
        .param("id", id)
        .update();
  }

  Optional<RunView> view(TenantId tenant, UUID schedule, UUID run) {
    return jdbc.sql(VIEW + " WHERE r.run_id = :run AND r.schedule_id = :s AND r.tenant_id = :t")
        .param("run", run)
        .param("s", schedule)
        .param("t", tenant.value())
        .query(RunRepository::view)
        .optional();
  }

  List<RunView> views(TenantId tenant, UUID schedule, int limit) {
    return jdbc.sql(
            VIEW
                + " WHERE r.schedule_id = :s AND r.tenant_id = :t"
                + " ORDER BY r.created_at DESC LIMIT :limit")
        .param("s", schedule)
        .param("t", tenant.value())
        .param("limit", limit)
        .query(RunRepository::view)
        .list();
  }

  /** How long the schedule's last completed run took to generate (for the fetch retry budget). */
  Optional<java.time.Duration> lastGenerationTime(UUID schedule) {
    return jdbc.sql(
            """
            SELECT diffed_at, finished_at FROM schedule_runs
             WHERE schedule_id = :s AND state = 'COMPLETED' AND diffed_at IS NOT NULL
             ORDER BY finished_at DESC LIMIT 1
            """)
        .param("s", schedule)
        .query(
            (rs, i) ->
                java.time.Duration.between(
                    rs.getTimestamp("diffed_at").toInstant(),
                    rs.getTimestamp("finished_at").toInstant()))
        .optional();
  }

  private static Run run(ResultSet rs, int i) throws SQLException {
    return new Run(
        rs.getObject("run_id", UUID.class),
        rs.getObject("schedule_id", UUID.class),
        new TenantId(rs.getObject("tenant_id", UUID.class)),
        rs.getString("trigger"),
        instant(rs, "due_at"),
        instant(rs, "deadline"),
        RunState.valueOf(rs.getString("state")),
        rs.getObject("batch_id", UUID.class),
        rs.getInt("fetch_attempts"),
        instant(rs, "confirmed_at"),
        instant(rs, "started_at"),
        instant(rs, "diffed_at"));
  }

  private static RunView view(ResultSet rs, int i) throws SQLException {
    BigDecimal cost = rs.getBigDecimal("cost_usd");
    if (cost == null) {
      cost = rs.getBigDecimal("batch_cost");
    }
    return new RunView(
        rs.getObject("run_id", UUID.class),
        rs.getObject("schedule_id", UUID.class),
        rs.getString("trigger"),
        RunState.valueOf(rs.getString("state")),
        rs.getString("reason"),
        instant(rs, "due_at"),
        instant(rs, "deadline"),
        rs.getObject("batch_id", UUID.class),
        rs.getString("lane"),
        rs.getInt("fetch_attempts"),
        instant(rs, "next_attempt_at"),
        longOrNull(rs, "feed_products"),
        longOrNull(rs, "new_products"),
        longOrNull(rs, "changed_products"),
        longOrNull(rs, "unchanged_products"),
        longOrNull(rs, "removed_products"),
        rs.getLong("bad_rows"),
        longOrNull(rs, "items_queued"),
        longOrNull(rs, "generated"),
        longOrNull(rs, "reused"),
        longOrNull(rs, "removed"),
        longOrNull(rs, "failed"),
        cost,
        instant(rs, "eta"),
        rs.getString("risk"),
        instant(rs, "confirmed_at"),
        instant(rs, "started_at"),
        instant(rs, "diffed_at"),
        instant(rs, "finished_at"),
        rs.getString("manifest_key"),
        instant(rs, "created_at"));
  }

  private static Long longOrNull(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }
}
