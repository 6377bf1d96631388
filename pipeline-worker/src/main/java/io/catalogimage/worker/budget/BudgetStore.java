package io.catalogimage.worker.budget;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The shared state of the budgets: one row per model x account, changed only by single atomic
 * statements, so any number of worker replicas together keep to a limit, plus the calls of each
 * budget second by second ({@code budget_seconds}) and the rate learnt per hour of the day ({@code
 * learnt_rates}). Times are epoch milliseconds from the workers' clocks (replicas need synchronised
 * clocks, as for leases).
 */
@Repository
public class BudgetStore {

  private static final String CREATE =
      "INSERT INTO budget_state (budget_key) VALUES (:key) ON CONFLICT DO NOTHING";

  /**
   * GCRA (the token bucket as a single timestamp) at the learner's pace (never faster than the
   * configured rate) plus the daily count, in one statement that locks the row only for itself; a
   * slot granted for now is counted in its second (one booked ahead is counted when it comes due,
   * {@link #dueNow}). A call may book a slot up to {@code horizon} ahead; the slot is then its own,
   * so waiting callers never stampede for the same one. A daily quota the provider said is used up
   * lets one call through once {@code reprobe_at_ms} has come (the re-probe: claimed here, so one
   * caller across the fleet gets it, and moved on by the pause).
   */
  private static final String ACQUIRE =
      """
      WITH a AS (
      UPDATE budget_state s
         SET day = :day,
             day_count = f.counted + CASE WHEN q.granted THEN 1 ELSE 0 END,
             day_exhausted = f.told_exhausted,
             tat_ms = CASE WHEN q.granted THEN greatest(g.t0, h.allowed) + g.spacing
                           ELSE c.tat_ms END,
             reprobe_at_ms = CASE WHEN q.granted AND f.probe
                                  THEN :now + greatest(c.reprobe_every_ms, :reprobe)
                                  ELSE c.reprobe_at_ms END,
             updated_at = now()
        FROM (SELECT * FROM budget_state WHERE budget_key = :key FOR UPDATE) c
       CROSS JOIN LATERAL (SELECT CASE WHEN c.day = :day THEN c.day_count ELSE 0 END AS counted,
                                  c.day = :day AND c.day_exhausted AS told_exhausted,
                                  c.day = :day AND c.day_exhausted AND :reprobe > 0
                                    AND c.reprobe_at_ms <= :now AS probe) f
       CROSS JOIN LATERAL (SELECT CASE WHEN :learn AND c.pace_rpm > 0
                                       THEN greatest(:interval, 60000.0 / c.pace_rpm)
                                       ELSE :interval END AS spacing,
                                  greatest(c.tat_ms, CAST(:now AS double precision)) AS t0) g
       CROSS JOIN LATERAL (SELECT greatest(g.t0 - g.spacing * (:burst - 1), c.blocked_until_ms)
                                    AS allowed,
                                  (f.told_exhausted AND NOT f.probe)
                                    OR (:dayLimit > 0 AND f.counted >= :dayLimit) AS exhausted) h
       CROSS JOIN LATERAL (SELECT greatest(0, h.allowed - :now) AS delay) d
       CROSS JOIN LATERAL (SELECT NOT h.exhausted AND d.delay <= :horizon AS granted) q
       WHERE s.budget_key = c.budget_key
      RETURNING q.granted, CAST(ceil(d.delay) AS bigint) AS delay, h.exhausted,
                s.learnt_rpm, s.limit_rpm, s.pace_rpm, s.learnt_at_ms, s.cut_at_ms,
                s.blocked_until_ms, floor((:now + d.delay) / 1000.0) AS sec,
                q.granted AND f.probe AS probe, s.reprobe_at_ms, f.told_exhausted),
      b AS (
      INSERT INTO budget_seconds (budget_key, sec, sent)
      SELECT :key, CAST(a.sec AS bigint), 1 FROM a WHERE a.granted AND a.delay = 0
          ON CONFLICT (budget_key, sec) DO UPDATE SET sent = budget_seconds.sent + 1)
      SELECT * FROM a
      """;

  /** A 429: counted in the second its call went, with the delay the provider asked for. */
  private static final String RATE_LIMITED =
      """
      WITH a AS (
      UPDATE budget_state
         SET retry_delay_ms = :retryMs, retry_at_ms = :now, updated_at = now()
       WHERE budget_key = :key
      RETURNING learnt_at_ms)
      INSERT INTO budget_seconds (budget_key, sec, limited)
      SELECT :key, :sec, 1 FROM a
          ON CONFLICT (budget_key, sec) DO UPDATE SET limited = budget_seconds.limited + 1
      """;

  /** The learner's turn: one replica at a time, at most every {@code gap} ms. */
  private static final String CLAIM =
      """
      UPDATE budget_state SET learnt_at_ms = :now
       WHERE budget_key = :key AND learnt_at_ms <= :now - :gap
      RETURNING phase, phase_since_ms, limit_rpm, target_rpm, cut_at_ms, settle_at_ms,
                measured_from_ms, probe_every_ms,
                top_since_ms, random_calls, random_limited, random_upto_sec, learnt_hour,
                history_minute, retry_delay_ms, retry_at_ms, told_limit_rpm, told_at_ms
      """;

  private static final String SECONDS =
      """
      SELECT sec, sent, limited FROM budget_seconds
       WHERE budget_key = :key AND sec >= :from AND sec <= :to
      """;

  /**
   * The learner's answer. A measurement also drops the slots booked ahead (they are asked again)
   * and holds everyone back until the window has room or the provider's retry delay is over.
   */
  private static final String SAVE =
      """
      UPDATE budget_state
         SET phase = :phase, phase_since_ms = :phaseSince, limit_rpm = :limit,
             target_rpm = :target, learnt_rpm = :learnt, cut_at_ms = :cutAt,
             settle_at_ms = :settleAt, measured_from_ms = :measuredFrom,
             probe_every_ms = :probeEvery,
             top_since_ms = :topSince, random_calls = :randomCalls,
             random_limited = :randomLimited, random_upto_sec = :randomUpto,
             learnt_hour = :hour, history_minute = :minute, pace_rpm = :pace,
             blocked_until_ms = greatest(blocked_until_ms, :block),
             tat_ms = CASE WHEN :cut THEN greatest(CAST(:now AS double precision), :block)
                           ELSE tat_ms END,
             updated_at = now()
       WHERE budget_key = :key
      """;

  /**
   * A booked slot came due: counted in its second unless the learner measured since it was booked
   * (then it is asked again); the last measurement is returned either way.
   */
  private static final String DUE =
      """
      WITH c AS (SELECT cut_at_ms FROM budget_state WHERE budget_key = :key),
      i AS (
      INSERT INTO budget_seconds (budget_key, sec, sent)
      SELECT :key, :sec, 1 FROM c WHERE c.cut_at_ms <= :bookedUnder
          ON CONFLICT (budget_key, sec) DO UPDATE SET sent = budget_seconds.sent + 1)
      SELECT cut_at_ms FROM c
      """;

  private static final String UNSENT =
      """
      UPDATE budget_seconds SET sent = greatest(0, sent - 1)
       WHERE budget_key = :key AND sec = :sec
      """;

  private static final String FORGET_SECONDS =
      "DELETE FROM budget_seconds WHERE budget_key = :key AND sec < :before";

  /** Everyone waits until then (the provider's retry delay when learning is off). */
  private static final String BLOCK =
      """
      UPDATE budget_state SET blocked_until_ms = greatest(blocked_until_ms, :until),
                              updated_at = now()
       WHERE budget_key = :key
      """;

  private static final String TOLD =
      """
      UPDATE budget_state SET told_limit_rpm = :limit, told_at_ms = :now
       WHERE budget_key = :key AND told_at_ms < :now
      """;

  /**
   * The provider said the daily quota is used up. Newly so: the first re-probe is due after the
   * base pause. Already so, from a call sent after that was known (a re-probe's verdict): the pause
   * doubles (up to the max). From a call sent before (in flight when the quota ran out): nothing
   * moves, so a burst of such answers does not push the re-probe out.
   */
  private static final String DAY_EXHAUSTED =
      """
      UPDATE budget_state s
         SET day_count = CASE WHEN s.day = :day THEN s.day_count ELSE 0 END,
             reprobe_every_ms = n.every,
             reprobe_at_ms = CASE WHEN o.moves THEN :now + n.every ELSE s.reprobe_at_ms END,
             exhausted_at_ms = CASE WHEN o.moves THEN :now ELSE s.exhausted_at_ms END,
             day = :day, day_exhausted = true, updated_at = now()
        FROM (SELECT budget_key, reprobe_every_ms, NOT (day = :day AND day_exhausted) AS fresh,
                     NOT (day = :day AND day_exhausted)
                       OR (:probe AND :sentAt >= exhausted_at_ms) AS moves
                FROM budget_state WHERE budget_key = :key FOR UPDATE) o
       CROSS JOIN LATERAL (
             SELECT CASE WHEN o.fresh THEN CAST(:base AS bigint)
                         WHEN o.moves THEN least(:max, greatest(:base, o.reprobe_every_ms * 2))
                         ELSE o.reprobe_every_ms END AS every) n
       WHERE s.budget_key = o.budget_key
      RETURNING s.reprobe_at_ms, o.fresh, o.moves
      """;

  /**
   * A call sent after the quota was said used up succeeded: it is back, for every worker, and the
   * items parked on the model until the reset (QUEUED, due around it) are due now, in the same
   * statement (no worker can die between the two).
   */
  private static final String QUOTA_BACK =
      """
      WITH back AS (
      UPDATE budget_state
         SET day_exhausted = false, reprobe_every_ms = 0, reprobe_at_ms = 0, updated_at = now()
       WHERE budget_key = :key AND day_exhausted AND exhausted_at_ms <= :sentAt
      RETURNING budget_key),
      woken AS (
      UPDATE items SET not_before = :now
       WHERE EXISTS (SELECT 1 FROM back) AND state = 'QUEUED' AND next_model = :model
         AND not_before > :now AND not_before BETWEEN :parkedFrom AND :parkedTo
      RETURNING item_id)
      SELECT (SELECT count(*) FROM back) AS back, (SELECT count(*) FROM woken) AS woken
      """;

  /** Used-up daily quotas whose re-probe has been due a while and that nobody has made. */
  private static final String REPROBES_UNMADE =
      """
      SELECT budget_key, day FROM budget_state
       WHERE day_exhausted AND reprobe_at_ms > 0 AND reprobe_at_ms <= :dueBefore
         AND (parked_woken_at_ms < reprobe_at_ms OR parked_woken_at_ms <= :wokenBefore)
      """;

  /**
   * Wakes one item parked on the model to be the re-probe call: claimed on the budget row first
   * (one worker per re-probe; again after a while if the woken item never made the call), then the
   * parked item due soonest is made due now.
   */
  private static final String WAKE_ONE_PARKED =
      """
      WITH claim AS (
      UPDATE budget_state SET parked_woken_at_ms = :nowMs
       WHERE budget_key = :key AND day = :day AND day_exhausted
         AND reprobe_at_ms > 0 AND reprobe_at_ms <= :dueBefore
         AND (parked_woken_at_ms < reprobe_at_ms OR parked_woken_at_ms <= :wokenBefore)
      RETURNING budget_key)
      UPDATE items SET not_before = :now
       WHERE item_id IN (SELECT item_id FROM items
                          WHERE EXISTS (SELECT 1 FROM claim) AND state = 'QUEUED'
                            AND next_model = :model AND not_before > :now
                            AND not_before BETWEEN :parkedFrom AND :parkedTo
                          ORDER BY not_before, item_id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING item_id
      """;

  /** When the next re-probe of a used-up daily quota is due; no row: not used up today. */
  private static final String EXHAUSTED_TODAY =
      """
      SELECT reprobe_at_ms FROM budget_state
       WHERE budget_key = :key AND day = :day AND day_exhausted
      """;

  /** One busy minute folded into the hour's learnt rate (a moving average across days). */
  private static final String LEARNT_MINUTE =
      """
      INSERT INTO learnt_rates (endpoint, model, hour, rpm, minutes, updated_at)
      VALUES (:endpoint, :model, :hour, :rpm, 1, now())
      ON CONFLICT (endpoint, model, hour) DO UPDATE
         SET rpm = learnt_rates.rpm * (1 - :weight) + :rpm * :weight,
             minutes = learnt_rates.minutes + 1, updated_at = now()
      """;

  private static final String LEARNT_HOUR =
      """
      SELECT rpm FROM learnt_rates
       WHERE endpoint = :endpoint AND model = :model AND hour = :hour AND minutes >= :minMinutes
      """;

  /**
   * The state a budget answer came from; {@code dayExhausted}: the row still says the daily quota
   * is used up today (true for a re-probe too).
   */
  public record Acquired(
      boolean granted,
      long delayMs,
      boolean exhausted,
      double learntRpm,
      double limitRpm,
      double paceRpm,
      long learntAtMs,
      long cutAtMs,
      long blockedUntilMs,
      boolean probe,
      long reprobeAtMs,
      boolean dayExhausted) {}

  /** The learner's state as claimed, with what the provider said lately. */
  record Claimed(
      QuotaLearner.State state,
      int hour,
      long historyMinute,
      long retryDelayMs,
      long retryAtMs,
      double toldLimitRpm,
      long toldAtMs) {}

  private final JdbcClient jdbc;
  private final Set<String> known = ConcurrentHashMap.newKeySet();

  public BudgetStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * @param intervalMs spacing between calls at the configured rate (0 = no rate limit)
   * @param learn whether the learner's pace applies
   * @param dayLimit calls allowed in {@code day} (0 = no daily limit)
   * @param reprobeMs pause between re-probes of a used-up daily quota (0 = none)
   */
  public Acquired acquire(
      String key,
      long nowMs,
      double intervalMs,
      boolean learn,
      int burst,
      long horizonMs,
      String day,
      int dayLimit,
      long reprobeMs) {
    ensure(key);
    return jdbc.sql(ACQUIRE)
        .param("key", key)
        .param("now", nowMs)
        .param("interval", intervalMs)
        .param("learn", learn)
        .param("burst", burst)
        .param("horizon", horizonMs)
        .param("day", day)
        .param("dayLimit", dayLimit)
        .param("reprobe", reprobeMs)
        .query(
            (rs, i) ->
                new Acquired(
                    rs.getBoolean("granted"),
                    rs.getLong("delay"),
                    rs.getBoolean("exhausted"),
                    rs.getDouble("learnt_rpm"),
                    rs.getDouble("limit_rpm"),
                    rs.getDouble("pace_rpm"),
                    rs.getLong("learnt_at_ms"),
                    rs.getLong("cut_at_ms"),
                    rs.getLong("blocked_until_ms"),
                    rs.getBoolean("probe"),
                    rs.getLong("reprobe_at_ms"),
                    rs.getBoolean("told_exhausted")))
        .single();
  }

  /**
   * A slot booked under the measurement made at {@code bookedUnderMs} came due: counted as sent in
   * its second when no measurement was made since. Returns the last measurement (0 = none).
   */
  long dueNow(String key, long sec, long bookedUnderMs) {
    return jdbc.sql(DUE)
        .param("key", key)
        .param("sec", sec)
        .param("bookedUnder", bookedUnderMs)
        .query(Long.class)
        .optional()
        .orElse(0L);
  }

  /**
   * Counts a 429 and keeps its retry delay (null = none given).
   *
   * @param sentAtMs when its call went
   */
  public void rateLimited(String key, long nowMs, long sentAtMs, Long retryDelayMs) {
    ensure(key);
    jdbc.sql(RATE_LIMITED)
        .param("key", key)
        .param("now", nowMs)
        .param("sec", Math.floorDiv(sentAtMs, 1000))
        .param("retryMs", retryDelayMs == null ? -1L : retryDelayMs)
        .update();
  }

  /** Holds back every caller until {@code untilMs}. */
  public void block(String key, long untilMs) {
    ensure(key);
    jdbc.sql(BLOCK).param("key", key).param("until", untilMs).update();
  }

  /** The provider stated its per-minute limit (an {@code x-ratelimit-limit-requests} header). */
  public void told(String key, long nowMs, double limitRpm) {
    ensure(key);
    jdbc.sql(TOLD).param("key", key).param("now", nowMs).param("limit", limitRpm).update();
  }

  /** The learner's state if it is this replica's turn (none evaluated it for {@code gapMs}). */
  Optional<Claimed> claim(String key, long nowMs, long gapMs) {
    ensure(key);
    return jdbc.sql(CLAIM)
        .param("key", key)
        .param("now", nowMs)
        .param("gap", gapMs)
        .query((rs, i) -> claimed(rs))
        .optional();
  }

  private static Claimed claimed(ResultSet rs) throws SQLException {
    String phase = rs.getString("phase");
    QuotaLearner.State state =
        phase == null
            ? null
            : new QuotaLearner.State(
                QuotaLearner.Phase.valueOf(phase),
                rs.getLong("phase_since_ms"),
                rs.getDouble("limit_rpm"),
                rs.getDouble("target_rpm"),
                rs.getLong("cut_at_ms"),
                rs.getLong("settle_at_ms"),
                rs.getLong("measured_from_ms"),
                rs.getLong("probe_every_ms"),
                rs.getLong("top_since_ms"),
                rs.getDouble("random_calls"),
                rs.getDouble("random_limited"),
                rs.getLong("random_upto_sec"));
    return new Claimed(
        state,
        rs.getInt("learnt_hour"),
        rs.getLong("history_minute"),
        rs.getLong("retry_delay_ms"),
        rs.getLong("retry_at_ms"),
        rs.getDouble("told_limit_rpm"),
        rs.getLong("told_at_ms"));
  }

  /** Every replica's calls from {@code fromSec} to {@code toSec}. */
  CallWindow seconds(String key, long fromSec, long toSec) {
    CallWindow w = CallWindow.between(fromSec, toSec);
    jdbc.sql(SECONDS)
        .param("key", key)
        .param("from", fromSec)
        .param("to", toSec)
        .query(
            (ResultSet rs) -> {
              w.add(rs.getLong("sec"), rs.getInt("sent"), rs.getInt("limited"));
            });
    return w;
  }

  void save(
      String key, long nowMs, int hour, long historyMinute, double learnt, QuotaLearner.Outcome o) {
    QuotaLearner.State s = o.state();
    // no limit below the configured rate: the configured rate paces (it may change with peaks)
    boolean configured = s.phase() == QuotaLearner.Phase.ESCALATE && s.limitRpm() <= 0;
    jdbc.sql(SAVE)
        .param("key", key)
        .param("now", nowMs)
        .param("phase", s.phase().name())
        .param("phaseSince", s.phaseSinceMs())
        .param("limit", s.limitRpm())
        .param("target", s.targetRpm())
        .param("learnt", learnt)
        .param("cutAt", s.cutAtMs())
        .param("settleAt", s.settleAtMs())
        .param("measuredFrom", s.measuredFromMs())
        .param("probeEvery", s.probeEveryMs())
        .param("topSince", s.topSinceMs())
        .param("randomCalls", s.randomCalls())
        .param("randomLimited", s.randomLimited())
        .param("randomUpto", s.randomUptoSec())
        .param("hour", hour)
        .param("minute", historyMinute)
        .param("pace", configured ? 0 : o.paceRpm())
        .param("block", o.blockUntilMs())
        .param("cut", o.cut())
        .update();
  }

  /** A booked slot that was not used after all. */
  void unsent(String key, long sec) {
    jdbc.sql(UNSENT).param("key", key).param("sec", sec).update();
  }

  void forgetSecondsBefore(String key, long sec) {
    jdbc.sql(FORGET_SECONDS).param("key", key).param("before", sec).update();
  }

  void learntMinute(String endpoint, String model, int hour, double rpm, double weight) {
    jdbc.sql(LEARNT_MINUTE)
        .param("endpoint", endpoint)
        .param("model", model)
        .param("hour", hour)
        .param("rpm", rpm)
        .param("weight", weight)
        .update();
  }

  /** The rate learnt for this hour of the day on earlier days, once it has enough minutes. */
  Optional<Double> learntHour(String endpoint, String model, int hour, int minMinutes) {
    return jdbc.sql(LEARNT_HOUR)
        .param("endpoint", endpoint)
        .param("model", model)
        .param("hour", hour)
        .param("minMinutes", minMinutes)
        .query(Double.class)
        .optional();
  }

  /** What marking a daily quota used up did. */
  public record Marked(long reprobeAtMs, boolean fresh, boolean moved) {}

  /**
   * @param sentAtMs when the call that heard it went
   * @param probe whether that call was a re-probe (only a refused re-probe moves the next one)
   * @param baseMs the first pause before a re-probe; {@code maxMs} the longest
   */
  public Marked dayExhausted(
      String key, String day, long nowMs, long sentAtMs, boolean probe, long baseMs, long maxMs) {
    ensure(key);
    return jdbc.sql(DAY_EXHAUSTED)
        .param("key", key)
        .param("day", day)
        .param("now", nowMs)
        .param("sentAt", sentAtMs)
        .param("probe", probe)
        .param("base", baseMs)
        .param("max", maxMs)
        .query(
            (rs, i) ->
                new Marked(
                    rs.getLong("reprobe_at_ms"), rs.getBoolean("fresh"), rs.getBoolean("moves")))
        .single();
  }

  /** What a success after a used-up quota did: cleared it, and woke that many parked items. */
  public record Back(boolean cleared, int woken) {}

  /**
   * Clears a used-up daily quota if {@code sentAtMs} is after it was said so, and makes the items
   * parked on {@code model} (due between {@code parkedFromMs} and {@code parkedToMs}) due now.
   */
  public Back quotaBack(
      String key, long sentAtMs, String model, long nowMs, long parkedFromMs, long parkedToMs) {
    return jdbc.sql(QUOTA_BACK)
        .param("key", key)
        .param("sentAt", sentAtMs)
        .param("model", model)
        .param("now", new Timestamp(nowMs))
        .param("parkedFrom", new Timestamp(parkedFromMs))
        .param("parkedTo", new Timestamp(parkedToMs))
        .query((rs, i) -> new Back(rs.getLong("back") > 0, rs.getInt("woken")))
        .single();
  }

  /** A used-up daily quota (its budget key and day) whose re-probe nobody has made. */
  public record UnmadeReprobe(String key, String day) {}

  /**
   * Used-up quotas whose re-probe came before {@code dueBeforeMs} and for which no parked item was
   * woken since it came, or not after {@code wokenBeforeMs}.
   */
  public List<UnmadeReprobe> reprobesUnmade(long dueBeforeMs, long wokenBeforeMs) {
    return jdbc.sql(REPROBES_UNMADE)
        .param("dueBefore", dueBeforeMs)
        .param("wokenBefore", wokenBeforeMs)
        .query((rs, i) -> new UnmadeReprobe(rs.getString("budget_key"), rs.getString("day")))
        .list();
  }

  /** Wakes one item parked on {@code model} to make the re-probe, if still unmade; true if so. */
  public boolean wakeOneParked(
      UnmadeReprobe r,
      String model,
      long nowMs,
      long dueBeforeMs,
      long wokenBeforeMs,
      long parkedFromMs,
      long parkedToMs) {
    return !jdbc.sql(WAKE_ONE_PARKED)
        .param("key", r.key())
        .param("day", r.day())
        .param("model", model)
        .param("nowMs", nowMs)
        .param("now", new Timestamp(nowMs))
        .param("dueBefore", dueBeforeMs)
        .param("wokenBefore", wokenBeforeMs)
        .param("parkedFrom", new Timestamp(parkedFromMs))
        .param("parkedTo", new Timestamp(parkedToMs))
        .query((rs, i) -> rs.getObject(1))
        .list()
        .isEmpty();
  }

  /** The next re-probe's time if the daily quota is used up on {@code day}; else empty. */
  public Optional<Long> exhaustedOn(String key, String day) {
    return jdbc.sql(EXHAUSTED_TODAY)
        .param("key", key)
        .param("day", day)
        .query(Long.class)
        .optional();
  }

  /** Creates the row once per key; every thread that has not seen it committed creates it. */
  private void ensure(String key) {
    if (!known.contains(key)) {
      jdbc.sql(CREATE).param("key", key).update();
      known.add(key);
    }
  }
}
