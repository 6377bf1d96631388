package io.catalogimage.simulator.fault;

import io.catalogimage.simulator.config.FaultSettings;
import io.catalogimage.simulator.config.PeakProfile;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides which fault, if any, a call gets. Trigger words win; otherwise one uniform draw from a
 * hash of (seed, model, prompt, occurrence) is compared with the cumulative rates, so the k-th call
 * of a prompt on a model always gets the same outcome for a given seed, whatever else is in flight.
 */
public final class FaultPlanner {
  private final ConcurrentHashMap<Long, AtomicLong> seen = new ConcurrentHashMap<>();

  /** How many calls of {@code prompt} on {@code model} came before this one (and counts it). */
  public long nextOccurrence(String model, String prompt) {
    long key = Hashing.combine(Hashing.of(model), Hashing.of(prompt));
    return seen.computeIfAbsent(key, k -> new AtomicLong()).getAndIncrement();
  }

  /** Forgets how often each prompt was seen. */
  public void reset() {
    seen.clear();
  }

  /**
   * The fault for one call; empty = success.
   *
   * @param model the served model id
   * @param requestedModel the id in the request (a {@code -preview} alias, say)
   * @param occurrence from {@link #nextOccurrence}
   * @param draw the call's deterministic hash
   */
  public Optional<FaultKind> choose(
      FaultSettings faults,
      PeakProfile peak,
      FaultKind.Protocol protocol,
      String model,
      String requestedModel,
      String prompt,
      long occurrence,
      long draw) {
    if (faults.triggers()) {
      for (TriggerWords.Trigger t : TriggerWords.parse(prompt)) {
        if (t.model() != null
            && !t.model().equalsIgnoreCase(model)
            && !t.model().equalsIgnoreCase(requestedModel)) {
          continue;
        }
        if (t.kind().isPresent() && !t.kind().get().appliesTo(protocol)) {
          continue;
        }
        if (t.firstCalls() != null && occurrence >= t.firstCalls()) {
          return Optional.empty(); // the retry that succeeds: no random fault either
        }
        return t.kind();
      }
    }
    double u = Hashing.unit(draw);
    double cumulative = 0;
    for (FaultKind kind : FaultKind.values()) {
      if (!kind.appliesTo(protocol)) {
        continue;
      }
      cumulative += faults.rateFor(model, kind) + peak.faultRate(kind);
      if (u < cumulative) {
        return Optional.of(kind);
      }
    }
    return Optional.empty();
  }

  /** The prompt without trigger words. */
  public static String withoutTriggers(String prompt) {
    return TriggerWords.strip(prompt);
  }
}
