package io.catalogimage.simulator;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the simulator has seen since start or the last reset; the Java mirror of {@code GET
 * /sim/stats}.
 *
 * @param now the simulator clock when the snapshot was taken
 * @param totals every generation call
 * @param models per served model id (the GA id for a remapped {@code -preview})
 * @param projects per project (calls whose key was unknown are not in any project)
 */
public record StatsSnapshot(
    Instant now, Counters totals, Map<String, Counters> models, Map<String, Counters> projects) {

  public StatsSnapshot {
    models = Collections.unmodifiableMap(new TreeMap<>(models));
    projects = Collections.unmodifiableMap(new TreeMap<>(projects));
  }

  /**
   * Counters of one scope.
   *
   * @param calls generation requests received (including rejected ones)
   * @param accepted requests that passed the quota gate (and so consumed quota)
   * @param rateLimited requests answered with HTTP 429
   * @param quotaLimited of those, the ones a real quota refused (per minute, per day, limit 0); the
   *     rest ({@link #injectedLimited()}) were drawn or triggered faults
   * @param outcomes calls per outcome: SUCCESS, a {@code FaultKind} name, or a request error
   *     (INVALID_ARGUMENT, UNAUTHENTICATED, NOT_FOUND)
   * @param maxCallsIn60s the most calls seen in any 60 s of real time (per-second buckets)
   * @param maxAcceptedIn60s the most accepted calls in any 60 s of real time
   */
  public record Counters(
      long calls,
      long accepted,
      long rateLimited,
      long quotaLimited,
      Map<String, Long> outcomes,
      long maxCallsIn60s,
      long maxAcceptedIn60s) {

    public static final Counters EMPTY = new Counters(0, 0, 0, 0, Map.of(), 0, 0);

    public Counters {
      outcomes = Collections.unmodifiableMap(new TreeMap<>(outcomes));
    }

    /** 429s that were injected faults, not a quota. */
    public long injectedLimited() {
      return rateLimited - quotaLimited;
    }

    public long outcome(String name) {
      return outcomes.getOrDefault(name, 0L);
    }
  }

  public Counters model(String id) {
    return models.getOrDefault(id, Counters.EMPTY);
  }

  public Counters project(String name) {
    return projects.getOrDefault(name, Counters.EMPTY);
  }
}
