package io.catalogimage.worker.budget;

import io.catalogimage.common.budget.BudgetProperties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The shared state of the budgets: one row per model x account, changed only by single atomic
 * statements, so any number of worker replicas together keep to a limit. Times are epoch
 * milliseconds from the workers' clocks (replicas need synchronised clocks, as for leases).
 */
@Repository
public class BudgetStore {

  private static final String CREATE =
      "INSERT INTO budget_state (budget_key) VALUES (:key) ON CONFLICT DO NOTHING";

  /**
   * GCRA (the token bucket as a single timestamp) plus the daily count and the AIMD recovery, in
   * one statement that locks the row only for itself. A call may book a slot up to {@code horizon}
   * ahead; the slot is then its own, so waiting callers never stampede for the same one.
   */
  private static final String ACQUIRE =
      """
      UPDATE budget_state s
         SET rate_factor = f.factor,
             success_streak = CASE WHEN r.recovers OR f.factor >= 1.0 THEN 0
                                   ELSE c.success_streak + :successes END,
             limited_share = c.limited_share * power(1.0 - :alpha, :successes),
             day = :day,
             day_count = f.counted + CASE WHEN q.granted THEN 1 ELSE 0 END,
             day_exhausted = f.told_exhausted,
             tat_ms = CASE WHEN q.granted THEN greatest(g.t0, h.allowed) + g.spacing
                           ELSE c.tat_ms END,
             updated_at = now()
        FROM (SELECT * FROM budget_state WHERE budget_key = :key FOR UPDATE) c
       CROSS JOIN LATERAL (SELECT c.rate_factor < 1.0
                                  AND c.success_streak + :successes >= :recoverAfter AS recovers) r
       CROSS JOIN LATERAL (SELECT CASE WHEN r.recovers THEN least(1.0, c.rate_factor + :step)
                                       ELSE c.rate_factor END AS factor,
                                  CASE WHEN c.day = :day THEN c.day_count ELSE 0 END AS counted,
                                  c.day = :day AND c.day_exhausted AS told_exhausted) f
       CROSS JOIN LATERAL (SELECT :interval / f.factor AS spacing,
                                  greatest(c.tat_ms, CAST(:now AS double precision)) AS t0) g
       CROSS JOIN LATERAL (SELECT greatest(g.t0 - g.spacing * (:burst - 1), c.blocked_until_ms)
                                    AS allowed,
                                  f.told_exhausted OR (:dayLimit > 0 AND f.counted >= :dayLimit)
                                    AS exhausted) h
       CROSS JOIN LATERAL (SELECT greatest(0, h.allowed - :now) AS delay) d
       CROSS JOIN LATERAL (SELECT NOT h.exhausted AND d.delay <= :horizon AS granted) q
       WHERE s.budget_key = c.budget_key
      RETURNING q.granted, CAST(ceil(d.delay) AS bigint), h.exhausted, f.factor
      """;

  /**
   * A 429: everyone waits the provider's delay; when 429s have become dense (their recent share
   * reaches the threshold) the rate is cut, at most once per cooldown.
   */
  private static final String RATE_LIMITED =
      """
      UPDATE budget_state s
         SET rate_factor = CASE WHEN d.cut THEN greatest(:floor, s.rate_factor * :decrease)
                                ELSE s.rate_factor END,
             last_decrease_ms = CASE WHEN d.cut THEN :now ELSE s.last_decrease_ms END,
             limited_share = d.share,
             success_streak = 0,
             blocked_until_ms = greatest(s.blocked_until_ms, :blockedUntil),
             updated_at = now()
        FROM (SELECT budget_key, limited_share * (1.0 - :alpha) + :alpha AS share,
                     last_decrease_ms
                FROM budget_state WHERE budget_key = :key FOR UPDATE) c
       CROSS JOIN LATERAL (SELECT c.share AS share,
                                  c.share >= :threshold
                                  AND :now - c.last_decrease_ms >= :cooldown AS cut) d
       WHERE s.budget_key = c.budget_key
      RETURNING s.rate_factor
      """;

  private static final String DAY_EXHAUSTED =
      """
      UPDATE budget_state
         SET day_count = CASE WHEN day = :day THEN day_count ELSE 0 END,
             day = :day, day_exhausted = true, updated_at = now()
       WHERE budget_key = :key
      """;

  /** The state a budget answer came from. */
  public record Acquired(boolean granted, long delayMs, boolean exhausted, double factor) {}

  private final JdbcClient jdbc;
  private final Set<String> known = ConcurrentHashMap.newKeySet();

  public BudgetStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * @param intervalMs spacing between calls at the full configured rate (0 = no rate limit)
   * @param dayLimit calls allowed in {@code day} (0 = no daily limit)
   * @param successes calls that succeeded since this replica last asked (for AIMD recovery)
   */
  public Acquired acquire(
      String key,
      long nowMs,
      double intervalMs,
      int burst,
      long horizonMs,
      String day,
      int dayLimit,
      int successes,
      BudgetProperties.Aimd aimd) {
    ensure(key);
    return jdbc.sql(ACQUIRE)
        .param("key", key)
        .param("now", nowMs)
        .param("interval", intervalMs)
        .param("burst", burst)
        .param("horizon", horizonMs)
        .param("day", day)
        .param("dayLimit", dayLimit)
        .param("successes", successes)
        .param("recoverAfter", aimd.recoverAfter())
        .param("step", aimd.step())
        .param("alpha", aimd.alpha())
        .query(
            (rs, i) ->
                new Acquired(rs.getBoolean(1), rs.getLong(2), rs.getBoolean(3), rs.getDouble(4)))
        .single();
  }

  /** Returns the rate factor after the decrease. */
  public double rateLimited(
      String key, long nowMs, long blockedUntilMs, BudgetProperties.Aimd aimd) {
    ensure(key);
    return jdbc.sql(RATE_LIMITED)
        .param("key", key)
        .param("now", nowMs)
        .param("cooldown", aimd.cooldown().toMillis())
        .param("floor", aimd.floor())
        .param("decrease", aimd.decrease())
        .param("blockedUntil", blockedUntilMs)
        .param("alpha", aimd.alpha())
        .param("threshold", aimd.threshold())
        .query(Double.class)
        .single();
  }

  public void dayExhausted(String key, String day) {
    ensure(key);
    jdbc.sql(DAY_EXHAUSTED).param("key", key).param("day", day).update();
  }

  /** Creates the row once per key; every thread that has not seen it committed creates it. */
  private void ensure(String key) {
    if (!known.contains(key)) {
      jdbc.sql(CREATE).param("key", key).update();
      known.add(key);
    }
  }
}
