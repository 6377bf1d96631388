package io.catalogimage.simulator.stats;

import io.catalogimage.simulator.StatsSnapshot;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The counters of one scope (totals, a model or a project). */
final class CounterSet {
  private final LongAdder calls = new LongAdder();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder rateLimited = new LongAdder();
  private final LongAdder quotaLimited = new LongAdder();
  private final ConcurrentHashMap<String, LongAdder> outcomes = new ConcurrentHashMap<>();
  private final SlidingMax callsWindow = new SlidingMax();
  private final SlidingMax acceptedWindow = new SlidingMax();

  void record(
      String outcome,
      boolean wasAccepted,
      boolean wasRateLimited,
      boolean wasQuotaRefused,
      long epochSecond) {
    calls.increment();
    callsWindow.add(epochSecond);
    if (wasAccepted) {
      accepted.increment();
      acceptedWindow.add(epochSecond);
    }
    if (wasRateLimited) {
      rateLimited.increment();
    }
    if (wasQuotaRefused) {
      quotaLimited.increment();
    }
    outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
  }

  StatsSnapshot.Counters snapshot() {
    Map<String, Long> byOutcome = new TreeMap<>();
    outcomes.forEach((k, v) -> byOutcome.put(k, v.sum()));
    return new StatsSnapshot.Counters(
        calls.sum(),
        accepted.sum(),
        rateLimited.sum(),
        quotaLimited.sum(),
        byOutcome,
        callsWindow.max(),
        acceptedWindow.max());
  }
}
