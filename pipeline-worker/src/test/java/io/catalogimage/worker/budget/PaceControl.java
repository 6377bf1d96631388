package io.catalogimage.worker.budget;

import io.catalogimage.common.budget.BudgetProperties;

/**
 * How a budget sets its pace from the provider's answers, as {@link HiddenQuotaModel} drives it:
 * the learner the pipeline uses, and the estimators it was compared with (docs/decisions.md,
 * 2026-12-05).
 */
interface PaceControl {

  /** The rate of booked slots now (calls per minute). */
  double paceRpm();

  /** No call before then. */
  long blockUntilMs();

  /** What the control takes the provider's rate to be. */
  double learntRpm();

  /**
   * A 429 was heard at {@code nowMs} for a call made at {@code sentMs}.
   *
   * @return true when slots booked so far must be asked again (a measurement)
   */
  boolean limited(long nowMs, long sentMs, long retryDelayMs, CallWindow counts);

  /** A call succeeded. */
  void accepted(long nowMs);

  /**
   * Every 250 ms, with every replica's counts.
   *
   * @return true when slots booked so far must be asked again (a measurement)
   */
  boolean tick(long nowMs, CallWindow counts);

  /** The pipeline's learner ({@link QuotaLearner}). */
  static PaceControl learner(BudgetProperties.Learning settings, long startMs, double ceiling) {
    return new Learner(new QuotaLearner(settings), startMs, ceiling, settings);
  }

  /**
   * The budget before this learner (main until 2026-12-05): the rate is halved when the moving
   * share of 429s over about 20 calls reaches 12% (at most once per 5 s), and wins back 5% of the
   * ceiling after every 20 successes in a row; every 429's retry delay holds back every caller.
   */
  static PaceControl aimd(double ceiling) {
    return new Aimd(ceiling, 0.5, 0.05, 20, 0);
  }

  /**
   * AIMD with a better increase: cut to 85% on a dense run of 429s, and 1% of the ceiling back per
   * second without one (a time-based increase does not wait for 20 successes in a row, which the
   * provider's random 429s keep interrupting).
   */
  static PaceControl aimdTimedIncrease(double ceiling) {
    return new Aimd(ceiling, 0.85, 0, 0, 0.01);
  }

  /** The configured rate and nothing learnt; every retry delay holds back every caller. */
  static PaceControl configuredOnly(double ceiling) {
    return new Aimd(ceiling, 1.0, 0, 0, 0);
  }

  /** Adapts the pipeline's learner. */
  final class Learner implements PaceControl {
    private final QuotaLearner learner;
    private final double ceiling;
    private QuotaLearner.State state;
    private double pace;
    private long block;
    private long retryDelay = -1;
    private long retryAt;

    Learner(
        QuotaLearner learner, long startMs, double ceiling, BudgetProperties.Learning settings) {
      this.learner = learner;
      this.ceiling = ceiling;
      this.state =
          QuotaLearner.State.initial(startMs, ceiling, 0, settings.probeEvery().toMillis());
      this.pace = ceiling * 0.99;
    }

    @Override
    public double paceRpm() {
      return pace;
    }

    @Override
    public long blockUntilMs() {
      return block;
    }

    @Override
    public double learntRpm() {
      return learner.learntRpm(state, ceiling);
    }

    @Override
    public boolean limited(long nowMs, long sentMs, long retryDelayMs, CallWindow counts) {
      retryDelay = retryDelayMs;
      retryAt = nowMs;
      return tick(nowMs, counts);
    }

    @Override
    public void accepted(long nowMs) {}

    @Override
    public boolean tick(long nowMs, CallWindow counts) {
      QuotaLearner.Outcome o =
          learner.evaluate(
              state,
              counts,
              new QuotaLearner.Inputs(nowMs, ceiling, 0.99, retryDelay, retryAt, 0, 0, 0, false));
      state = o.state();
      pace = o.paceRpm();
      block = Math.max(block, o.blockUntilMs());
      return o.cut();
    }

    QuotaLearner.State state() {
      return state;
    }
  }

  /** Additive (or timed) increase, multiplicative decrease, as the budget did before. */
  final class Aimd implements PaceControl {
    private static final double ALPHA = 1.0 / 20;
    private static final double THRESHOLD = 0.12;
    private static final long COOLDOWN_MS = 5_000;
    private final double ceiling;
    private final double decrease;
    private final double step;
    private final int recoverAfter;
    private final double perSecond;
    private double factor = 1.0;
    private double share;
    private int streak;
    private long lastCut = Long.MIN_VALUE / 2;
    private long lastTick;
    private long block;

    Aimd(double ceiling, double decrease, double step, int recoverAfter, double perSecond) {
      this.ceiling = ceiling;
      this.decrease = decrease;
      this.step = step;
      this.recoverAfter = recoverAfter;
      this.perSecond = perSecond;
    }

    @Override
    public double paceRpm() {
      return ceiling * 0.99 * factor;
    }

    @Override
    public long blockUntilMs() {
      return block;
    }

    @Override
    public double learntRpm() {
      return ceiling * factor;
    }

    @Override
    public boolean limited(long nowMs, long sentMs, long retryDelayMs, CallWindow counts) {
      share = share * (1 - ALPHA) + ALPHA;
      streak = 0;
      block = Math.max(block, nowMs + retryDelayMs);
      if (share >= THRESHOLD && nowMs - lastCut >= COOLDOWN_MS) {
        factor = Math.max(0.1, factor * decrease);
        lastCut = nowMs;
      }
      return false;
    }

    @Override
    public void accepted(long nowMs) {
      share *= 1 - ALPHA;
      if (recoverAfter > 0 && factor < 1.0 && ++streak >= recoverAfter) {
        factor = Math.min(1.0, factor + step);
        streak = 0;
      }
    }

    @Override
    public boolean tick(long nowMs, CallWindow counts) {
      if (perSecond > 0 && lastTick > 0 && nowMs - lastCut > COOLDOWN_MS) {
        factor = Math.min(1.0, factor + perSecond * (nowMs - lastTick) / 1000.0);
      }
      lastTick = nowMs;
      return false;
    }
  }
}
