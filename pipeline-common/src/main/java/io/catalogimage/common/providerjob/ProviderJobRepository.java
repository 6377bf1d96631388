package io.catalogimage.common.providerjob;

import io.catalogimage.common.id.ItemId;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Provider batch jobs in PostgreSQL (table {@code provider_jobs}): the batch lane's memory. A job
 * row is written (SUBMITTING) with its items before the provider hears of it, gets the provider's
 * id once the submit answers (SUBMITTED), and is polled under a lease by whichever worker holds it,
 * so a worker crash loses no job: another takes the lease over when it expires. Item state changes
 * are not here (they are {@link io.catalogimage.common.item.ItemRepository}'s).
 */
public class ProviderJobRepository {

  /** One job as stored. */
  public record ProviderJob(
      UUID id,
      String endpoint,
      String model,
      String providerJobId,
      String state,
      String providerState,
      int items,
      Instant submittedAt,
      Instant latestSafeAt,
      Instant fellBackAt,
      Instant endedAt,
      int resultsUsed,
      int lateDiscarded,
      int version) {

    public boolean fellBack() {
      return fellBackAt != null;
    }
  }

  /**
   * One line of a job: its item and key, the ledger attempt it carries (null on rows written before
   * V61), and what became of it (null while out).
   */
  public record Line(ItemId item, String key, Integer attempt, String outcome) {}

  private static final String COLUMNS =
      "job_id, endpoint, model, provider_job_id, state, provider_state, items, submitted_at,"
          + " latest_safe_at, fell_back_at, ended_at, results_used, late_discarded, version";

  private static final String INSERT_JOB_SQL =
      """
      INSERT INTO provider_jobs (job_id, endpoint, model, state, items, submitted_at,
                                 latest_safe_at, next_poll_at, lease_owner, lease_until)
      VALUES (:id, :endpoint, :model, 'SUBMITTING', :items, :now, :latestSafe, :until, :worker,
              :until)
      """;

  private static final String INSERT_LINES_SQL =
      """
      INSERT INTO provider_job_items (job_id, item_id, line_key, attempt_no)
      SELECT :id, l.i, l.i::text, l.a
        FROM unnest(CAST(:items AS uuid[]), CAST(:attempts AS int[])) AS l(i, a)
      """;

  private static final String SUBMITTED_SQL =
      """
      UPDATE provider_jobs SET state = 'SUBMITTED', provider_job_id = :providerId,
                               provider_state = :providerState, next_poll_at = :nextPoll,
                               version = version + 1
       WHERE job_id = :id AND state = 'SUBMITTING'
      """;

  /**
   * Open jobs due for a poll whose lease is free or expired, leased to {@code worker}: the jobs of
   * a dead worker are picked up again here.
   */
  private static final String LEASE_DUE_SQL =
      "UPDATE provider_jobs SET lease_owner = :worker, lease_until = :until, version = version + 1"
          + " WHERE job_id IN (SELECT job_id FROM provider_jobs"
          + " WHERE state IN ('SUBMITTING', 'SUBMITTED') AND next_poll_at <= :now"
          + " AND (lease_owner IS NULL OR lease_owner = :worker OR lease_until < :now)"
          + " ORDER BY next_poll_at LIMIT :limit FOR UPDATE SKIP LOCKED)"
          + " RETURNING "
          + COLUMNS;

  private static final String POLLED_SQL =
      """
      UPDATE provider_jobs SET provider_state = :providerState, next_poll_at = :nextPoll,
                               lease_owner = NULL, lease_until = NULL, version = version + 1
       WHERE job_id = :id AND lease_owner = :worker
      """;

  private static final String FELL_BACK_SQL =
      """
      UPDATE provider_jobs SET fell_back_at = :now, note = :note, version = version + 1
       WHERE job_id = :id AND fell_back_at IS NULL
      """;

  private static final String ENDED_SQL =
      """
      UPDATE provider_jobs SET state = :state, provider_state = :providerState, ended_at = :now,
                               lease_owner = NULL, lease_until = NULL, note = :note,
                               version = version + 1
       WHERE job_id = :id AND state IN ('SUBMITTING', 'SUBMITTED')
      """;

  /** A SUBMITTING row the provider has no job for: it never reached the provider. */
  private static final String NEVER_SUBMITTED_SQL =
      """
      UPDATE provider_jobs SET state = 'ABANDONED', ended_at = :now, lease_owner = NULL,
                               lease_until = NULL, note = :note, version = version + 1
       WHERE job_id = :id AND state = 'SUBMITTING'
      """;

  private static final String LINE_OUTCOME_SQL =
      """
      UPDATE provider_job_items SET outcome = :outcome
       WHERE job_id = :id AND item_id = ANY(:items)
         AND (outcome IS NULL OR (outcome = 'RERUN' AND :outcome = 'LATE'))
      """;

  private static final String COUNT_SQL =
      """
      UPDATE provider_jobs j
         SET results_used = (SELECT count(*) FROM provider_job_items l
                              WHERE l.job_id = j.job_id AND l.outcome = 'USED'),
             late_discarded = (SELECT count(*) FROM provider_job_items l
                                WHERE l.job_id = j.job_id AND l.outcome = 'LATE')
       WHERE j.job_id = :id
      """;

  private static final String LINES_SQL =
      "SELECT item_id, line_key, attempt_no, outcome FROM provider_job_items WHERE job_id = :id"
          + " ORDER BY line_key";

  private static final String WAITING_ITEMS_SQL =
      "SELECT count(*) FROM items WHERE provider_job = :id AND state = 'IN_PROVIDER_BATCH'";

  /**
   * The turnaround of the model's latest ended jobs that ran to the end (not fallen back): the 90th
   * percentile, so that nine jobs in ten return within the estimate.
   */
  private static final String TURNAROUND_SQL =
      """
      SELECT percentile_cont(0.9) WITHIN GROUP (
               ORDER BY extract(epoch FROM ended_at - submitted_at)) AS p90, count(*) AS n
        FROM (SELECT ended_at, submitted_at FROM provider_jobs
               WHERE state = 'ENDED' AND model = :model AND fell_back_at IS NULL
                 AND provider_state = 'SUCCEEDED'
               ORDER BY ended_at DESC LIMIT :window) latest
      """;

  private final JdbcClient jdbc;

  public ProviderJobRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Writes a job SUBMITTING, leased to {@code worker}, with its lines keyed by item id; {@code
   * attempts} are the lines' ledger attempt numbers, in the order of {@code items}.
   */
  public void create(
      UUID id,
      String endpoint,
      String model,
      List<ItemId> items,
      List<Integer> attempts,
      Instant latestSafe,
      String worker,
      Instant leaseUntil,
      Instant now) {
    jdbc.sql(INSERT_JOB_SQL)
        .param("id", id)
        .param("endpoint", endpoint)
        .param("model", model)
        .param("items", items.size())
        .param("now", Timestamp.from(now))
        .param("latestSafe", Timestamp.from(latestSafe))
        .param("worker", worker)
        .param("until", Timestamp.from(leaseUntil))
        .update();
    jdbc.sql(INSERT_LINES_SQL)
        .param("id", id)
        .param("items", uuids(items))
        .param("attempts", attempts.toArray(Integer[]::new))
        .update();
  }

  /**
   * The provider took the job: its id, and when to ask again. Guarded by SUBMITTING, so of a slow
   * submitter and a worker that found the job by its display name only the first writes; false for
   * the other.
   */
  public boolean submitted(UUID id, String providerJobId, String providerState, Instant nextPoll) {
    return jdbc.sql(SUBMITTED_SQL)
            .param("id", id)
            .param("providerId", providerJobId)
            .param("providerState", providerState)
            .param("nextPoll", Timestamp.from(nextPoll))
            .update()
        == 1;
  }

  /** Leases up to {@code limit} open jobs due for a poll to {@code worker}. */
  public List<ProviderJob> leaseDue(String worker, Instant now, Duration lease, int limit) {
    return jdbc.sql(LEASE_DUE_SQL)
        .param("worker", worker)
        .param("now", Timestamp.from(now))
        .param("until", Timestamp.from(now.plus(lease)))
        .param("limit", limit)
        .query(ProviderJobRepository::job)
        .list();
  }

  /** The job is still out: its state, and the lease given back until {@code nextPoll}. */
  public void polled(UUID id, String worker, String providerState, Instant nextPoll) {
    jdbc.sql(POLLED_SQL)
        .param("id", id)
        .param("worker", worker)
        .param("providerState", providerState)
        .param("nextPoll", Timestamp.from(nextPoll))
        .update();
  }

  /** Its unfinished items went to real time at {@code now}; true the first time only. */
  public boolean fellBack(UUID id, String note, Instant now) {
    return jdbc.sql(FELL_BACK_SQL)
            .param("id", id)
            .param("note", note)
            .param("now", Timestamp.from(now))
            .update()
        == 1;
  }

  /** ENDED (results taken) or ABANDONED (never reached the provider); counts the lines. */
  public boolean ended(UUID id, String state, String providerState, String note, Instant now) {
    boolean changed =
        jdbc.sql(ENDED_SQL)
                .param("id", id)
                .param("state", state)
                .param("providerState", providerState)
                .param("note", note)
                .param("now", Timestamp.from(now))
                .update()
            == 1;
    jdbc.sql(COUNT_SQL).param("id", id).update();
    return changed;
  }

  /**
   * ABANDONED for a row still SUBMITTING (its submitter lost, the provider holding no such job);
   * false when its submitter stored the provider's answer meanwhile: the first to write wins.
   */
  public boolean neverSubmitted(UUID id, String note, Instant now) {
    return jdbc.sql(NEVER_SUBMITTED_SQL)
            .param("id", id)
            .param("note", note)
            .param("now", Timestamp.from(now))
            .update()
        == 1;
  }

  /**
   * Records what became of these lines (USED, RERUN, LATE), once per line; a line sent to real time
   * (RERUN) whose result comes back after all becomes LATE.
   */
  public int lineOutcome(UUID id, Collection<ItemId> items, String outcome) {
    if (items.isEmpty()) {
      return 0;
    }
    return jdbc.sql(LINE_OUTCOME_SQL)
        .param("id", id)
        .param("items", uuids(items))
        .param("outcome", outcome)
        .update();
  }

  public List<Line> lines(UUID id) {
    return jdbc.sql(LINES_SQL)
        .param("id", id)
        .query(
            (rs, i) ->
                new Line(
                    new ItemId(rs.getObject("item_id", UUID.class)),
                    rs.getString("line_key"),
                    rs.getObject("attempt_no", Integer.class),
                    rs.getString("outcome")))
        .list();
  }

  /** How many of the job's items still wait for it (IN_PROVIDER_BATCH in this job). */
  public int waitingItems(UUID id) {
    return jdbc.sql(WAITING_ITEMS_SQL).param("id", id).query(Integer.class).single();
  }

  public Optional<ProviderJob> find(UUID id) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM provider_jobs WHERE job_id = :id")
        .param("id", id)
        .query(ProviderJobRepository::job)
        .optional();
  }

  /**
   * The measured turnaround of the model's batch jobs (p90 of the latest {@code window} that ran to
   * the end), or {@code fallback} until {@code minJobs} have.
   */
  public Duration turnaround(String model, int window, int minJobs, Duration fallback) {
    return jdbc.sql(TURNAROUND_SQL)
        .param("model", model)
        .param("window", window)
        .query(
            (rs, i) -> {
              double p90 = rs.getDouble("p90");
              boolean none = rs.wasNull();
              long n = rs.getLong("n");
              return none || n < minJobs ? fallback : Duration.ofMillis(Math.round(p90 * 1000));
            })
        .single();
  }

  private static ProviderJob job(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
    return new ProviderJob(
        rs.getObject("job_id", UUID.class),
        rs.getString("endpoint"),
        rs.getString("model"),
        rs.getString("provider_job_id"),
        rs.getString("state"),
        rs.getString("provider_state"),
        rs.getInt("items"),
        instant(rs.getTimestamp("submitted_at")),
        instant(rs.getTimestamp("latest_safe_at")),
        instant(rs.getTimestamp("fell_back_at")),
        instant(rs.getTimestamp("ended_at")),
        rs.getInt("results_used"),
        rs.getInt("late_discarded"),
        rs.getInt("version"));
  }

  private static UUID[] uuids(Collection<ItemId> items) {
    return items.stream().map(ItemId::value).toArray(UUID[]::new);
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
