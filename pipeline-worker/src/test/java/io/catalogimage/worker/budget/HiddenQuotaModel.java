package io.catalogimage.worker.budget;

import io.catalogimage.common.budget.BudgetProperties;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.LongToDoubleFunction;

/**
 * A provider with a hidden sliding-window quota, driven against the learner on a moved clock (no
 * sleeps, no threads): the budget books slots at the learner's pace, every call is decided at its
 * slot, 429s come back at once and feed the shared per-second counts, and the learner is asked
 * every 250 ms and after each 429, as the budget store does. The provider also refuses a share of
 * the calls at random (they consume no quota), as the simulator does.
 */
final class HiddenQuotaModel {

  /** What a run measured. */
  record Result(
      long calls,
      long accepted,
      long quota429,
      long random429,
      double grantable,
      List<double[]> targets /* [ms, learnt target] every second */) {

    double utilization() {
      return accepted / grantable;
    }

    double quotaShare() {
      return calls == 0 ? 0 : (double) quota429 / calls;
    }

    /** The learnt target at {@code ms} (the last sample at or before it). */
    double targetAt(long ms) {
      double v = Double.NaN;
      for (double[] s : targets) {
        if (s[0] <= ms) {
          v = s[1];
        }
      }
      return v;
    }
  }

  private final LongToDoubleFunction hiddenRpm;
  private final double randomShare;
  private final double ceiling;
  private final BudgetProperties.Learning settings;
  private final long seed;

  HiddenQuotaModel(
      LongToDoubleFunction hiddenRpm,
      double randomShare,
      double ceiling,
      BudgetProperties.Learning settings,
      long seed) {
    this.hiddenRpm = hiddenRpm;
    this.randomShare = randomShare;
    this.ceiling = ceiling;
    this.settings = settings;
    this.seed = seed;
  }

  Result run(long durationMs) {
    Random random = new Random(seed);
    QuotaLearner learner = new QuotaLearner(settings);
    long start = 1_000_000_000L; // any epoch ms; the learner only sees differences
    QuotaLearner.State state =
        QuotaLearner.State.initial(start, ceiling, 0, settings.probeEvery().toMillis());
    TreeMap<Long, int[]> seconds = new TreeMap<>();
    ArrayDeque<Long> window = new ArrayDeque<>(); // the provider's accepted calls
    double pace = ceiling * 0.99;
    long blockUntil = 0;
    double tat = start;
    long nextTick = start;
    long retryDelay = -1;
    long retryAt = 0;
    long calls = 0;
    long accepted = 0;
    long quota429 = 0;
    long random429 = 0;
    List<double[]> targets = new ArrayList<>();
    long end = start + durationMs;
    long t = start;
    while (t < end) {
      long slot = (long) Math.max(Math.max(tat, blockUntil), t);
      boolean tick = nextTick <= slot;
      boolean limitedNow = false;
      if (!tick) {
        t = slot;
        tat = t + 60_000.0 / pace;
        calls++;
        seconds.computeIfAbsent(Math.floorDiv(t, 1000), k -> new int[2])[0]++;
        while (!window.isEmpty() && window.peekFirst() <= t - 60_000) {
          window.pollFirst();
        }
        double limit = hiddenRpm.applyAsDouble(t - start);
        if (window.size() >= limit) {
          quota429++;
          limitedNow = true;
          long frees = window.toArray(new Long[0])[window.size() - (int) limit] + 60_000;
          retryDelay = Math.max(0, frees - t);
          retryAt = t;
        } else if (random.nextDouble() < randomShare) {
          random429++;
          limitedNow = true;
          retryDelay = (long) ((1 + 29 * random.nextDouble()) * 50); // the simulator's, scaled
          retryAt = t;
        } else {
          window.addLast(t);
          accepted++;
        }
        if (limitedNow) {
          seconds.get(Math.floorDiv(t, 1000))[1]++;
        }
      } else {
        t = nextTick;
        nextTick += 250;
        if (Math.floorMod(t, 1000) == 0) {
          targets.add(new double[] {t - start, learner.learntRpm(state, ceiling)});
        }
      }
      if (tick || limitedNow) {
        long nowSec = Math.floorDiv(t, 1000);
        CallWindow w = CallWindow.between(nowSec - 130, nowSec);
        seconds.subMap(nowSec - 130, true, nowSec, true).forEach((s, c) -> w.add(s, c[0], c[1]));
        QuotaLearner.Outcome o =
            learner.evaluate(
                state,
                w,
                new QuotaLearner.Inputs(t, ceiling, 0.99, retryDelay, retryAt, 0, 0, 0, false));
        state = o.state();
        pace = o.paceRpm();
        if (o.blockUntilMs() > blockUntil) {
          blockUntil = o.blockUntilMs();
        }
        if (o.cut()) {
          tat = Math.max(t, blockUntil); // slots booked before a measurement are asked again
        }
      }
    }
    double grantable = 0;
    for (long ms = 0; ms < durationMs; ms += 100) {
      grantable += hiddenRpm.applyAsDouble(ms) * 100 / 60_000.0;
    }
    return new Result(calls, accepted, quota429, random429, grantable, targets);
  }
}
