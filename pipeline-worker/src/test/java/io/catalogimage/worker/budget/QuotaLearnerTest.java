package io.catalogimage.worker.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.budget.BudgetProperties;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The learner against a provider with a hidden sliding-window quota ({@link HiddenQuotaModel}) on a
 * moved clock: 9 simulated minutes take milliseconds. The pipeline is configured at 600 calls a
 * minute; the provider grants less and refuses 4% of the calls at random besides, as the simulator
 * does at peak.
 */
class QuotaLearnerTest {

  private static final double CEILING = 600;
  private static final long MINUTE = 60_000;
  private static final BudgetProperties.Learning SETTINGS = BudgetProperties.Learning.defaults();

  private static HiddenQuotaModel.Result run(
      LongToDoubleFunction hidden, double randomShare, long minutes, long seed) {
    return new HiddenQuotaModel(hidden, randomShare, CEILING, seed).run(SETTINGS, minutes * MINUTE);
  }

  @Test
  void converges_on_a_constant_hidden_rate_within_two_minutes_and_holds_it() {
    HiddenQuotaModel.Result r = run(ms -> 300, 0.04, 9, 1);

    for (long at = 2 * MINUTE; at < 9 * MINUTE; at += 10_000) {
      assertThat(r.learntAt(at)).as("learnt rate at %d s", at / 1000).isBetween(270.0, 315.0);
    }
    assertThat(r.utilization()).as("accepted / granted").isGreaterThan(0.93);
    assertThat(r.quotaShare()).as("quota 429s / calls").isLessThan(0.02);
  }

  @Test
  void follows_a_step_down_and_back_up_within_a_minute_each_way() {
    LongToDoubleFunction step = ms -> ms >= 3 * MINUTE && ms < 6 * MINUTE ? 150 : 300;
    HiddenQuotaModel.Result r = run(step, 0.04, 9, 2);

    assertThat(r.learntAt(3 * MINUTE + 15_000))
        .as("15 s after the halving")
        .isBetween(125.0, 157.0);
    assertThat(r.learntAt(3 * MINUTE + 60_000))
        .as("a minute after the halving")
        .isBetween(125.0, 157.0);
    assertThat(r.learntAt(6 * MINUTE - 5_000)).as("still halved").isBetween(130.0, 157.0);
    assertThat(r.learntAt(7 * MINUTE + 15_000))
        .as("75 s after the recovery")
        .isBetween(270.0, 315.0);
    assertThat(r.utilization()).isGreaterThan(0.90);
    assertThat(r.quotaShare()).isLessThan(0.02);
  }

  @Test
  void stray_random_429s_are_not_taken_for_a_lower_quota() {
    // nothing hidden below the ceiling: 6% of the calls refused at random, none for quota
    HiddenQuotaModel.Result r = run(ms -> 10_000, 0.06, 5, 3);

    assertThat(r.quota429()).isZero();
    assertThat(r.random429()).isGreaterThan(100);
    long atCeiling =
        r.learnt().stream().filter(s -> s[0] >= MINUTE && s[1] >= CEILING * 0.95).count();
    assertThat(atCeiling).as("seconds at the ceiling, of 240").isGreaterThan(228);
  }

  @Test
  void random_429s_while_the_window_refills_after_a_burst_do_not_lower_the_limit() {
    // the post-merge step run: measured at 293 in the first minute, then the window emptied after
    // the start's burst; at 88 s it held 258 when 4 of 17 calls in two seconds were refused at
    // random (the random share then measured 2% from only 142 calls): that was taken as a quota
    // of 245, held for minutes. Every seed that once did it, and a few more.
    for (long seed = 1; seed <= 6; seed++) {
      HiddenQuotaModel.Result r = run(ms -> 300, 0.04, 6, seed);
      for (long at = MINUTE; at < 6 * MINUTE; at += 1_000) {
        assertThat(r.learntAt(at))
            .as("seed %d: learnt rate at %d s", seed, at / 1000)
            .isGreaterThan(270.0);
      }
    }
  }

  @Test
  void a_few_429s_below_the_measured_limit_are_random_but_most_calls_refused_are_a_lower_quota() {
    QuotaLearner learner = new QuotaLearner(SETTINGS);
    long sec = 1_000_000;
    long t = sec * 1000 + 500;
    // limit measured at 300 a minute ago; 2 of 142 calls refused at random since
    QuotaLearner.State holding =
        new QuotaLearner.State(
            QuotaLearner.Phase.HOLD,
            t - 5_000,
            300,
            294,
            t - MINUTE,
            0,
            t - 2 * MINUTE,
            15_000,
            0,
            142,
            2,
            sec);
    QuotaLearner.Inputs now =
        new QuotaLearner.Inputs(t, CEILING, 0.99, 800, t - 200, 0, 0, 0, false);

    // the window holds about 245, well below 300; 4 of the last 17 calls refused
    CallWindow few = refilling(sec, 2);
    assertThat(learner.evaluate(holding, few, now).cut()).isFalse();

    // the last 3 s: 27 of 30 refused: the quota has dropped below what the window holds
    CallWindow most = refilling(sec, 9);
    QuotaLearner.Outcome o = learner.evaluate(holding, most, now);
    assertThat(o.cut()).isTrue();
    assertThat(o.state().limitRpm()).isLessThan(260.0);
  }

  /** 4 calls a second for a minute, then the last seconds with more calls, some refused. */
  private static CallWindow refilling(long sec, int refusedPerSecond) {
    CallWindow w = CallWindow.between(sec - 130, sec);
    for (long s = sec - 60; s <= sec - 3; s++) {
      w.add(s, 4, 0);
    }
    if (refusedPerSecond > 2) {
      for (long s = sec - 2; s <= sec; s++) {
        w.add(s, 10, refusedPerSecond);
      }
    } else {
      w.add(sec - 2, 8, 0).add(sec - 1, 8, 2).add(sec, 9, 2);
    }
    return w;
  }

  @Test
  void a_busy_worker_hearing_its_429s_late_does_not_measure_a_higher_limit() {
    HiddenQuotaModel.Result r =
        new HiddenQuotaModel(ms -> 300, 0.04, CEILING, 5)
            .reportingLate(1_500)
            .run(SETTINGS, 6 * MINUTE);

    for (long at = 2 * MINUTE; at < 6 * MINUTE; at += 10_000) {
      assertThat(r.learntAt(at)).as("learnt rate at %d s", at / 1000).isBetween(270.0, 306.0);
    }
    assertThat(r.utilization()).isGreaterThan(0.9);
  }

  @Test
  void a_limit_the_provider_states_is_held_without_probing() {
    QuotaLearner learner = new QuotaLearner(SETTINGS);
    long t = 1_000_000_000L;
    QuotaLearner.State s = QuotaLearner.State.initial(t, CEILING, 0, 15_000);
    for (long ms = 0; ms <= 2 * MINUTE; ms += 250) {
      QuotaLearner.Outcome o =
          learner.evaluate(
              s,
              CallWindow.empty(),
              new QuotaLearner.Inputs(t + ms, CEILING, 0.99, -1, 0, 250, t + ms, 0, false));
      s = o.state();
      assertThat(s.phase()).isEqualTo(QuotaLearner.Phase.TOLD);
    }
    assertThat(learner.learntRpm(s, CEILING)).isEqualTo(245.0);
    // the headers stop: the budget holds what it was told and probes from there
    QuotaLearner.Outcome later =
        learner.evaluate(
            s,
            CallWindow.empty(),
            new QuotaLearner.Inputs(t + 4 * MINUTE, CEILING, 0.99, -1, 0, 250, t, 0, false));
    assertThat(later.state().phase()).isEqualTo(QuotaLearner.Phase.HOLD);
    assertThat(later.state().limitRpm()).isEqualTo(250.0);
  }

  /**
   * The goals of issue 20 on the model, over 16 seeds of each hidden shape (docs/decisions.md,
   * 2026-12-06 "Quota learner on the sawtooth"): the real pipeline adds a few tenths of a point of
   * 429s to these, hence the model's goals are stricter than the issue's 2%. The sawtooth's 1.5% is
   * not reached (1.64%): asserted at the level reached, so that it cannot slip back unnoticed.
   */
  @Test
  void meets_the_issue_goals_over_sixteen_seeds() {
    goals(0, Double.POSITIVE_INFINITY, 0)
        .assertMeet(
            /* constant's 429s */ 0.015,
            /* step's 429s */ 0.015,
            /* recovery, mean s */ 50.0,
            /* recovery, worst s */ 60.0,
            /* sawtooth's 429s */ 0.017);
  }

  /**
   * The same with every 429 heard 150 ms after its call, as the real pipeline hears them (over HTTP
   * and the shared row, later from a busy worker): the calls sent meanwhile cost a few more 429s.
   * Asserted at the level reached (docs/decisions.md, 2026-12-07): the sawtooth's 1.88% is why the
   * real pipeline misses 2% there, and one seed's recovery takes 112 s (random 429s end its climb).
   */
  @Test
  void meets_the_issue_goals_when_429s_are_heard_late() {
    goals(150, Double.POSITIVE_INFINITY, 0)
        .assertMeet(
            /* constant's 429s */ 0.015,
            /* step's 429s */ 0.017,
            /* recovery, mean s */ 50.0,
            /* recovery, worst s */ 120.0,
            /* sawtooth's 429s */ 0.019);
  }

  /**
   * The same as the real workers run it: they send at most 400 calls a minute (in the hiddenquota
   * benchmark in-flight caps and claims, not the learner, set that pace), book their slots 3 s
   * ahead at the pace of the moment, and hear their 429s 150 ms late. A climb is slower, so the
   * recovery takes longer than on the unbounded model (58 s on average, 75 s at worst, 2026-12-07);
   * fewer calls meet the limit at full pace, so the sawtooth's 429s are lower (1.44%). Asserted at
   * the level reached, so a tuning that helps only the friendly model shows here.
   */
  @Test
  void meets_the_issue_goals_as_the_real_workers_send() {
    goals(150, 400, 3_000)
        .assertMeet(
            /* constant's 429s */ 0.010,
            /* step's 429s */ 0.015,
            /* recovery, mean s */ 65.0,
            /* recovery, worst s */ 90.0,
            /* sawtooth's 429s */ 0.016);
  }

  /** Means over 16 seeds of the constant, step and sawtooth shapes, 9 minutes each. */
  private static final class Goals {
    final double[] share = new double[3];
    final double[] quota = new double[3];
    double recoveryMean;
    double recoveryWorst;
    double halvingWorst;

    /**
     * Every shape takes at least 95% of what is granted (93% on the sawtooth) and follows a halving
     * within 20 s; the 429s and the recovery within the limits given.
     */
    void assertMeet(
        double constantQuota,
        double stepQuota,
        double recoverySeconds,
        double recoveryWorstSeconds,
        double sawtoothQuota) {
      assertThat(share[0]).as("constant: accepted / granted").isGreaterThanOrEqualTo(0.95);
      assertThat(quota[0]).as("constant: quota 429s / calls").isLessThanOrEqualTo(constantQuota);
      assertThat(share[1]).as("step: accepted / granted").isGreaterThanOrEqualTo(0.95);
      assertThat(quota[1]).as("step: quota 429s / calls").isLessThanOrEqualTo(stepQuota);
      assertThat(halvingWorst).as("step: seconds to follow the halving, worst").isLessThan(20.0);
      assertThat(recoveryMean)
          .as("step: seconds to follow the recovery")
          .isLessThan(recoverySeconds);
      assertThat(recoveryWorst)
          .as("step: seconds to follow the recovery, worst")
          .isLessThan(recoveryWorstSeconds);
      assertThat(share[2]).as("sawtooth: accepted / granted").isGreaterThanOrEqualTo(0.93);
      assertThat(quota[2]).as("sawtooth: quota 429s / calls").isLessThanOrEqualTo(sawtoothQuota);
    }
  }

  private static Goals goals(long reportLagMs, double sendCapRpm, long bookAheadMs) {
    LongToDoubleFunction step = ms -> ms >= 3 * MINUTE && ms < 6 * MINUTE ? 150 : 300;
    LongToDoubleFunction saw = ms -> 150 + 150 * ((ms % (3 * MINUTE)) / (3.0 * MINUTE));
    int seeds = 16;
    Goals g = new Goals();
    for (long seed = 1; seed <= seeds; seed++) {
      HiddenQuotaModel.Result[] rs = new HiddenQuotaModel.Result[3];
      LongToDoubleFunction[] shapes = {ms -> 300, step, saw};
      for (int i = 0; i < 3; i++) {
        rs[i] =
            new HiddenQuotaModel(shapes[i], 0.04, CEILING, seed)
                .reportingLate(reportLagMs)
                .sendingAtMost(sendCapRpm)
                .bookingAhead(bookAheadMs)
                .run(SETTINGS, 9 * MINUTE);
        g.share[i] += rs[i].utilization() / seeds;
        g.quota[i] += rs[i].quotaShare() / seeds;
      }
      double recovery = rs[1].secondsToFollow(6 * MINUTE, 300, 9 * MINUTE);
      g.recoveryMean += recovery / seeds;
      g.recoveryWorst = Math.max(g.recoveryWorst, recovery);
      g.halvingWorst = Math.max(g.halvingWorst, rs[1].secondsToFollow(3 * MINUTE, 150, 6 * MINUTE));
    }
    System.out.printf(
        java.util.Locale.ROOT,
        "429s heard %d ms late, sends capped at %.0f a minute, booked %d ms ahead: constant %.1f%% / %.2f%%, step %.1f%% / %.2f%% (halving %.0f s at"
            + " worst, recovery %.0f s, %.0f s at worst), sawtooth %.1f%% / %.2f%%%n",
        reportLagMs,
        sendCapRpm,
        bookAheadMs,
        g.share[0] * 100,
        g.quota[0] * 100,
        g.share[1] * 100,
        g.quota[1] * 100,
        g.halvingWorst,
        g.recoveryMean,
        g.recoveryWorst,
        g.share[2] * 100,
        g.quota[2] * 100);
    return g;
  }

  @Test
  void a_quota_that_dropped_below_what_the_window_holds_is_heard_from_three_429s() {
    QuotaLearner learner = new QuotaLearner(SETTINGS);
    long sec = 1_000_000;
    long t = sec * 1000 + 400;
    // limit measured at 300; the window still holds about 240 (below 95% of it, where a few 429s
    // are taken for random ones) when the quota halves: the first 3 calls of this second refused
    QuotaLearner.State holding =
        new QuotaLearner.State(
            QuotaLearner.Phase.HOLD,
            t - 5_000,
            300,
            294,
            t - MINUTE,
            0,
            t - 2 * MINUTE,
            15_000,
            0,
            500,
            20,
            sec);
    CallWindow w = CallWindow.between(sec - 130, sec);
    for (long s = sec - 60; s < sec; s++) {
      w.add(s, 4, 0);
    }
    w.add(sec, 3, 3);
    QuotaLearner.Outcome o =
        learner.evaluate(
            holding, w, new QuotaLearner.Inputs(t, CEILING, 0.99, 30_000, t, 0, 0, 0, false));

    assertThat(o.cut()).as("the drop is measured").isTrue();
    assertThat(o.state().limitRpm()).as("the limit measured").isLessThan(250.0);
    assertThat(o.blockUntilMs())
        .as("every caller waits at least for the retry delay")
        .isGreaterThanOrEqualTo(t + 30_000);
  }

  @Test
  void tracks_a_sawtooth() {
    // 150 rising to 300 over 3 minutes, then back to 150
    LongToDoubleFunction saw = ms -> 150 + 150 * ((ms % (3 * MINUTE)) / (3.0 * MINUTE));
    HiddenQuotaModel.Result r = run(saw, 0.04, 9, 4);

    assertThat(r.utilization()).isGreaterThan(0.90);
    assertThat(r.quotaShare()).isLessThan(0.025);
  }
}
