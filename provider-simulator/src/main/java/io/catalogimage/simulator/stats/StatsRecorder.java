package io.catalogimage.simulator.stats;

import io.catalogimage.simulator.StatsSnapshot;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Counts generation calls per model and project. The sliding-window maxima run on real time (what a
 * benchmark measures), while the snapshot's {@code now} is the simulator clock.
 */
public final class StatsRecorder {
  /** Outcome names for calls refused before any fault or quota decision. */
  public static final String INVALID_ARGUMENT = "INVALID_ARGUMENT";

  public static final String UNAUTHENTICATED = "UNAUTHENTICATED";
  public static final String NOT_FOUND = "NOT_FOUND";
  public static final String SUCCESS = "SUCCESS";

  private record Scopes(
      CounterSet totals,
      ConcurrentHashMap<String, CounterSet> models,
      ConcurrentHashMap<String, CounterSet> projects) {
    static Scopes empty() {
      return new Scopes(new CounterSet(), new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    }
  }

  private final AtomicReference<Scopes> scopes = new AtomicReference<>(Scopes.empty());

  /**
   * Records one call.
   *
   * @param model served model id (or the requested id when it was not found)
   * @param project the caller's project, or null when the key was not recognised
   * @param quotaRefused refused by a real quota window (per minute, per day or limit 0), not an
   *     injected fault
   */
  public void record(
      String model,
      String project,
      String outcome,
      boolean accepted,
      boolean rateLimited,
      boolean quotaRefused) {
    long second = System.currentTimeMillis() / 1000;
    Scopes s = scopes.get();
    s.totals().record(outcome, accepted, rateLimited, quotaRefused, second);
    if (model != null) {
      s.models()
          .computeIfAbsent(model, k -> new CounterSet())
          .record(outcome, accepted, rateLimited, quotaRefused, second);
    }
    if (project != null) {
      s.projects()
          .computeIfAbsent(project, k -> new CounterSet())
          .record(outcome, accepted, rateLimited, quotaRefused, second);
    }
  }

  public StatsSnapshot snapshot(Instant now) {
    Scopes s = scopes.get();
    return new StatsSnapshot(
        now, s.totals().snapshot(), snapshot(s.models()), snapshot(s.projects()));
  }

  public void reset() {
    scopes.set(Scopes.empty());
  }

  private static Map<String, StatsSnapshot.Counters> snapshot(Map<String, CounterSet> sets) {
    Map<String, StatsSnapshot.Counters> out = new TreeMap<>();
    sets.forEach((k, v) -> out.put(k, v.snapshot()));
    return out;
  }
}
