package io.catalogimage.worker.budget;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * A provider's per-minute quota as the simulator keeps it: a sliding 60 s window of accepted calls;
 * a refused call consumes nothing and its retry delay says when the window has room again. It can
 * also refuse every n-th call at random (an overloaded provider), without consuming quota.
 */
final class SlidingWindowProvider {

  /** What the provider saw. */
  record Counts(long offered, long accepted, long refused, long randomRefusals) {
    Counts minus(Counts o) {
      return new Counts(
          offered - o.offered,
          accepted - o.accepted,
          refused - o.refused,
          randomRefusals - o.randomRefusals);
    }
  }

  private int limit;
  private final ArrayDeque<Instant> window = new ArrayDeque<>();
  private int refuseEvery;
  private long offered;
  private long accepted;
  private long refused;
  private long randomRefusals;

  SlidingWindowProvider(int limit) {
    this.limit = limit;
  }

  /** The quota changes; the calls already in the window stay counted. */
  void limit(int limit) {
    this.limit = limit;
  }

  void refuseEvery(int n) {
    this.refuseEvery = n;
  }

  /** Decides a call made now: null when accepted, else the retry delay of its 429. */
  Duration call(Instant now) {
    offered++;
    while (!window.isEmpty() && !window.peekFirst().isAfter(now.minusSeconds(60))) {
      window.pollFirst();
    }
    if (window.size() >= limit) {
      refused++;
      Instant frees = window.toArray(new Instant[0])[window.size() - limit].plusSeconds(60);
      return Duration.between(now, frees);
    }
    if (refuseEvery > 0 && offered % refuseEvery == 0) {
      randomRefusals++;
      return Duration.ofSeconds(1);
    }
    window.addLast(now);
    accepted++;
    return null;
  }

  Counts counts() {
    return new Counts(offered, accepted, refused, randomRefusals);
  }
}
