package io.catalogimage.worker.budget;

import io.catalogimage.common.budget.BudgetProperties;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.LongToDoubleFunction;

/**
 * A provider with a hidden sliding-window quota, driven against a pace control on a moved clock (no
 * sleeps, no threads): the budget books slots at the control's pace, every call is decided at its
 * slot, 429s come back at once (or {@link #reportingLate late}) into the shared per-second counts,
 * successes after the generation's latency, and the control is asked every 250 ms and after each
 * 429, as the budget store does. The provider also refuses a share of the calls at random (they
 * consume no quota), as the simulator does.
 */
final class HiddenQuotaModel {

  /** What a run measured. */
  record Result(
      long calls,
      long accepted,
      long quota429,
      long random429,
      double grantable,
      List<double[]> learnt /* [ms, learnt rate] every second */) {

    double utilization() {
      return accepted / grantable;
    }

    double quotaShare() {
      return calls == 0 ? 0 : (double) quota429 / calls;
    }

    /**
     * Seconds from {@code changeMs} until the learnt rate is within 5% of {@code target} and stays
     * within 10% of it for 20 s (as docs/BENCHMARKS.md measures convergence); {@code
     * Double.POSITIVE_INFINITY} when that does not happen before {@code untilMs}.
     */
    double secondsToFollow(long changeMs, double target, long untilMs) {
      for (int i = 0; i < learnt.size(); i++) {
        double[] s = learnt.get(i);
        if (s[0] < changeMs || s[0] >= untilMs || Math.abs(s[1] - target) > 0.05 * target) {
          continue;
        }
        boolean holds = true;
        for (int j = i; j < learnt.size() && learnt.get(j)[0] < s[0] + 20_000; j++) {
          holds &= Math.abs(learnt.get(j)[1] - target) <= 0.10 * target;
        }
        if (holds) {
          return (s[0] - changeMs) / 1000.0;
        }
      }
      return Double.POSITIVE_INFINITY;
    }

    /** The learnt rate at {@code ms} (the last sample at or before it). */
    double learntAt(long ms) {
      double v = Double.NaN;
      for (double[] s : learnt) {
        if (s[0] <= ms) {
          v = s[1];
        }
      }
      return v;
    }
  }

  private static final long START = 1_000_000_000L; // any epoch ms: controls see differences
  private static final long LATENCY_MS = 350; // Nano Banana 2 at 1K, at 1/20 of real

  private final LongToDoubleFunction hiddenRpm;
  private final double randomShare;
  private final double ceiling;
  private final long seed;
  private long reportLagMs;
  private double sendCapRpm = Double.POSITIVE_INFINITY;
  private long bookAheadMs;

  HiddenQuotaModel(LongToDoubleFunction hiddenRpm, double randomShare, double ceiling, long seed) {
    this.hiddenRpm = hiddenRpm;
    this.randomShare = randomShare;
    this.ceiling = ceiling;
    this.seed = seed;
  }

  /** 429s reach the budget this long after their call (a busy worker), in their call's second. */
  HiddenQuotaModel reportingLate(long lagMs) {
    this.reportLagMs = lagMs;
    return this;
  }

  /**
   * Calls go out at most this fast whatever the control asks: the real workers are also bounded by
   * their in-flight caps and claims (about 400 a minute in the hiddenquota benchmark's climbs,
   * docs/decisions.md 2026-12-07).
   */
  HiddenQuotaModel sendingAtMost(double rpm) {
    this.sendCapRpm = rpm;
    return this;
  }

  /**
   * Slots are booked this far ahead at the pace of the moment, as the workers book them (the
   * reservation horizon), and counted as sent when their call goes; a measurement drops them (they
   * are asked again).
   */
  HiddenQuotaModel bookingAhead(long ms) {
    this.bookAheadMs = ms;
    return this;
  }

  /** Against the pipeline's learner. */
  Result run(BudgetProperties.Learning settings, long durationMs) {
    return run(PaceControl.learner(settings, START, ceiling), durationMs);
  }

  Result run(PaceControl control, long durationMs) {
    Random random = new Random(seed);
    TreeMap<Long, int[]> seconds = new TreeMap<>();
    ArrayDeque<Long> window = new ArrayDeque<>(); // the provider's accepted calls
    // answers on their way back: [due, sent, retry delay (-1 = a success)]
    PriorityQueue<long[]> answers = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    double tat = START;
    long nextTick = START;
    long calls = 0;
    long accepted = 0;
    long quota429 = 0;
    long random429 = 0;
    List<double[]> learnt = new ArrayList<>();
    long end = START + durationMs;
    long t = START;
    ArrayDeque<Long> booked = new ArrayDeque<>(); // slots booked, not yet due
    while (t < end) {
      // the workers book every slot within the horizon at once
      long slot = (long) Math.max(Math.max(tat, control.blockUntilMs()), t);
      while (slot <= t + bookAheadMs) {
        booked.addLast(slot);
        tat = slot + 60_000.0 / Math.min(control.paceRpm(), sendCapRpm);
        slot = (long) Math.max(Math.max(tat, control.blockUntilMs()), t);
      }
      long due = booked.isEmpty() ? slot - bookAheadMs : booked.peekFirst();
      long next = Math.min(due, nextTick);
      if (!answers.isEmpty() && answers.peek()[0] <= next) {
        long[] a = answers.poll();
        t = Math.max(t, a[0]);
        if (a[2] < 0) {
          control.accepted(t);
        } else {
          seconds.get(Math.floorDiv(a[1], 1000))[1]++;
          if (control.limited(t, a[1], a[2], counts(seconds, t))) {
            booked.clear(); // slots booked before are asked again
            tat = Math.max(t, control.blockUntilMs());
          }
        }
      } else if (nextTick <= due) {
        t = nextTick;
        nextTick += 250;
        if (Math.floorMod(t - START, 1000) == 0) {
          learnt.add(new double[] {t - START, control.learntRpm()});
        }
        if (control.tick(t, counts(seconds, t))) {
          booked.clear(); // slots booked before are asked again
          tat = Math.max(t, control.blockUntilMs());
        }
      } else if (booked.isEmpty()) {
        t = due; // the next slot can be booked now
      } else {
        t = booked.pollFirst();
        calls++;
        seconds.computeIfAbsent(Math.floorDiv(t, 1000), k -> new int[2])[0]++;
        while (!window.isEmpty() && window.peekFirst() <= t - 60_000) {
          window.pollFirst();
        }
        double limit = hiddenRpm.applyAsDouble(t - START);
        if (window.size() >= limit) {
          quota429++;
          long frees = window.toArray(new Long[0])[window.size() - (int) limit] + 60_000;
          answers.add(new long[] {t + reportLagMs, t, Math.max(0, frees - t)});
        } else if (random.nextDouble() < randomShare) {
          random429++;
          long delay = (long) ((1 + 29 * random.nextDouble()) * 50); // the simulator's, scaled
          answers.add(new long[] {t + reportLagMs, t, delay});
        } else {
          window.addLast(t);
          accepted++;
          answers.add(new long[] {t + LATENCY_MS, t, -1});
        }
      }
    }
    double grantable = 0;
    for (long ms = 0; ms < durationMs; ms += 100) {
      grantable += hiddenRpm.applyAsDouble(ms) * 100 / 60_000.0;
    }
    return new Result(calls, accepted, quota429, random429, grantable, learnt);
  }

  /** The shared per-second counts as the budget store reads them: the last 130 s. */
  private static CallWindow counts(TreeMap<Long, int[]> seconds, long t) {
    long nowSec = Math.floorDiv(t, 1000);
    CallWindow w = CallWindow.between(nowSec - 130, nowSec);
    seconds.subMap(nowSec - 130, true, nowSec, true).forEach((s, c) -> w.add(s, c[0], c[1]));
    return w;
  }
}
