package io.catalogimage.worker.budget;

import io.catalogimage.common.budget.BudgetProperties;

/**
 * Learns the per-minute quota a provider really grants, for every replica together, from what the
 * shared budget row counted: the calls that went and the ones answered 429, second by second. A
 * pure function of (state, counts, now): the budget store keeps the state in the row and one
 * replica at a time evaluates it.
 *
 * <p>The provider counts accepted calls in a sliding 60 s window and refuses a call when the window
 * holds its limit; our own count of that window ({@link CallWindow#acceptedInLastMinute}) is
 * therefore the measurement: when the 429s become denser than the provider's random ones, the
 * window holds the limit. The budget then holds just below it ({@link Phase#HOLD}), probes above it
 * now and then ({@link Phase#PROBE}: a cheap test, two quota 429s at the known level end it), and
 * when a probe gets past the old limit without them, climbs to the configured ceiling until the
 * 429s say where the new limit is ({@link Phase#ESCALATE}). The pace fills the window towards the
 * target and replays what leaves it (a window emptied by a pause would otherwise echo 60 s later),
 * and no call goes while the window holds the target. See docs/decisions.md (2026-12-05) for the
 * estimators compared and why this one.
 */
final class QuotaLearner {

  /** What the budget is doing. */
  enum Phase {
    /** No limit known below the ceiling: pace at the ceiling until the 429s say otherwise. */
    ESCALATE,
    /** Just below the measured limit, until the next probe. */
    HOLD,
    /** Above the measured limit, to see whether it has moved up. */
    PROBE,
    /** The provider states its limit ({@code x-ratelimit-limit-requests}): no probing needed. */
    TOLD
  }

  /**
   * The learnt state, kept in the shared row.
   *
   * @param limitRpm the last measured limit (calls per minute); 0 = none below the ceiling
   * @param targetRpm the window count the budget aims for now: the learnt rate
   * @param cutAtMs when the last measurement was made (slots booked before it are asked again)
   * @param settleAtMs when that measurement is made again from settled counts (0 = done): the 429s
   *     of calls made just before it may still be on their way back
   * @param measuredFromMs the start of the span whose accepted calls were the limit (60 s before
   *     the measurement, or less when the provider's retry delay said a slot frees only later)
   * @param probeEveryMs the pause between a measurement and the next probe
   * @param topSinceMs when this probe's window reached the measured limit (0 = not yet)
   * @param randomCalls calls seen below the limit (decaying), for the random 429 share
   * @param randomLimited 429s among them
   * @param randomUptoSec the last second counted into the random share
   */
  record State(
      Phase phase,
      long phaseSinceMs,
      double limitRpm,
      double targetRpm,
      long cutAtMs,
      long settleAtMs,
      long measuredFromMs,
      long probeEveryMs,
      long topSinceMs,
      double randomCalls,
      double randomLimited,
      long randomUptoSec) {

    /** A budget that knows nothing yet: the ceiling, or the rate learnt for this hour. */
    static State initial(long nowMs, double ceilingRpm, double plannedRpm, long probeEveryMs) {
      if (plannedRpm > 0 && plannedRpm < ceilingRpm) {
        return new State(
            Phase.HOLD, nowMs, plannedRpm, plannedRpm, 0, 0, 0, probeEveryMs, 0, 0, 0, 0);
      }
      return new State(Phase.ESCALATE, nowMs, 0, ceilingRpm, 0, 0, 0, probeEveryMs, 0, 0, 0, 0);
    }

    /** Another phase, limit or target; a new phase starts without a probe top. */
    State with(Phase p, long since, double limit, double target) {
      return new State(
          p,
          since,
          limit,
          target,
          cutAtMs,
          settleAtMs,
          measuredFromMs,
          probeEveryMs,
          p == phase ? topSinceMs : 0,
          randomCalls,
          randomLimited,
          randomUptoSec);
    }
  }

  /**
   * What else the evaluation needs.
   *
   * @param ceilingRpm the configured rate now (the peak rate inside peak windows)
   * @param retryDelayMs the retry delay of the latest 429 (negative = none given)
   * @param retryAtMs when that 429 arrived
   * @param toldLimitRpm the limit the provider's headers stated (0 = none)
   * @param toldAtMs when they last did
   * @param plannedRpm the rate learnt for this hour on earlier days (0 = none)
   * @param hourChanged the evaluation is the first of a new hour
   */
  record Inputs(
      long nowMs,
      double ceilingRpm,
      double utilization,
      long retryDelayMs,
      long retryAtMs,
      double toldLimitRpm,
      long toldAtMs,
      double plannedRpm,
      boolean hourChanged) {}

  /**
   * @param paceRpm the spacing of booked slots, as calls per minute
   * @param blockUntilMs no call before then (0 = no block)
   * @param cut a measurement was made now: slots booked before it are asked again
   */
  record Outcome(State state, double paceRpm, long blockUntilMs, boolean cut) {}

  // Fixed parts of the method; the settings a user may want to tune are in Learning.
  private static final double ESCALATE_PAST = 0.02; // a probe this far past the limit: it moved up
  private static final double SAME_LIMIT = 0.03; // a measurement this close: the limit holds
  private static final int DENSE_MIN = 3; // fewest 429s that can be dense
  private static final int PROBE_MIN = 2; // fewest 429s that end a probe at the known limit
  private static final int PROBE_MIN_FAR = 3; // ... once it has climbed far above its start
  private static final double PROBE_SIGMAS = 2.5;
  private static final long[] DENSE_WINDOWS_MS = {1_000, 3_000, 10_000};
  private static final double FILL_SECONDS = 10; // room in the window is filled within this
  private static final long LEAVING_MS = 2_000; // departures averaged over this
  private static final double PACE_FLOOR = 0.5; // never slower than half the target
  private static final double PACE_CAP = 1.25; // holding, never faster than this x the target
  private static final double BELOW_LIMIT = 0.95; // seconds this far below count as random 429s
  private static final double RANDOM_DECAY = 0.995; // per second
  private static final long TOLD_FRESH_MS = 60_000;
  private static final long SETTLE_MS = 3_000; // 429s of calls already made come back by then
  private static final double REFUSED_NEARLY_ALL = 0.75; // of the calls of the last second
  private static final double DROP_SIGMAS = 2.5; // 1 s span, while the window holds the limit
  private static final double NEAR_LIMIT = 1.1; // a probe's window this close to the limit
  private static final double CLIMBED_FAR = 1.2; // a probe's window this far above its start
  private static final long STILL_FILLING_MS = 1_000; // a climbing window fills within this
  private static final double CAME_BACK = 0.25; // a probe found this much more: climb on soon
  private static final long CAME_BACK_PAUSE_MS = 6_000;

  private final BudgetProperties.Learning settings;

  QuotaLearner(BudgetProperties.Learning settings) {
    this.settings = settings;
  }

  Outcome evaluate(State before, CallWindow w, Inputs in) {
    long t = in.nowMs();
    double ceiling = in.ceilingRpm();
    State s = countRandom(before, w, t);
    double inWindow = w.acceptedInLastMinute(t);
    boolean measured = false;

    if (in.toldLimitRpm() > 0 && t - in.toldAtMs() <= TOLD_FRESH_MS) {
      // the provider states its limit: hold just below it, unless its 429s said less lately
      double told = Math.min(ceiling, in.toldLimitRpm());
      boolean measuredLower =
          s.phase() == Phase.TOLD && t - s.cutAtMs() < TOLD_FRESH_MS && s.limitRpm() < told;
      if (!measuredLower) {
        s = s.with(Phase.TOLD, t, told, told * (1 - settings.margin()));
      }
    } else if (s.phase() == Phase.TOLD) {
      s = s.with(Phase.HOLD, t, s.limitRpm(), s.targetRpm());
    }

    if (s.settleAtMs() > 0 && t >= s.settleAtMs()) {
      s = settle(s, w);
    }
    if (dense(s, w, t, inWindow)) {
      s = measure(s, w, in, inWindow);
      measured = true;
    } else if (s.phase() == Phase.PROBE) {
      long top = s.topSinceMs();
      if (top == 0 && inWindow >= s.limitRpm() * (1 - settings.margin() / 2)) {
        top = t;
        s = withTop(s, top);
      }
      // saturated: 429s beyond the random ones while the window no longer fills (a window still
      // filling is room, and its 429s random) and still holds the known limit (a window that has
      // fallen well below it since is not at the limit: its 429s are random ones)
      // far above where the probe started, a climb moves the top every second or two: judge the
      // filling over the last second at least (two random 429s just after a climb are no limit)
      boolean far = inWindow > w.acceptedInLastMinute(s.phaseSinceMs()) * CLIMBED_FAR;
      long since = far ? Math.min(top, t - STILL_FILLING_MS) : top;
      if (top > 0
          && inWindow >= s.limitRpm() * BELOW_LIMIT
          && !filledSince(w, since, t, inWindow)
          && probeHitLimit(s, w, top, t, far ? PROBE_MIN_FAR : PROBE_MIN)) {
        s = measure(s, w, in, inWindow);
        measured = true;
      }
    }

    if (!measured) {
      s = planned(s, in, t);
      s = advance(s, inWindow, roomProved(s, w, t), ceiling, t);
    }
    if (s.limitRpm() > ceiling) {
      s = s.with(Phase.ESCALATE, t, 0, ceiling); // the configured rate fell below what we knew
    }
    double target = Math.min(ceiling, s.targetRpm());
    s = s.with(s.phase(), s.phaseSinceMs(), s.limitRpm(), target);

    double pace = pace(s, w, in, inWindow);
    long block = 0;
    if (s.phase() == Phase.HOLD || s.phase() == Phase.TOLD) {
      // the window holds the target: nothing goes until enough of it leaves
      if (inWindow >= target) {
        block = w.roomAt(t, target - 1);
      }
    }
    if (measured && in.retryDelayMs() > 0 && t - in.retryAtMs() <= 1_000) {
      block = Math.max(block, in.retryAtMs() + in.retryDelayMs()); // a quota's own word
    }
    return new Outcome(s, pace, block, measured);
  }

  /**
   * The rate the budget plans for: just below the last measured limit (also while it probes above
   * it), or the ceiling when no limit below it is known.
   */
  double learntRpm(State s, double ceilingRpm) {
    return switch (s.phase()) {
      case HOLD, TOLD -> Math.min(ceilingRpm, s.targetRpm());
      case PROBE, ESCALATE ->
          s.limitRpm() > 0
              ? Math.min(ceilingRpm, s.limitRpm() * (1 - settings.margin()))
              : ceilingRpm;
    };
  }

  /** The share of calls the provider refuses whatever its quota, as measured so far. */
  double randomShare(State s) {
    return s.randomCalls() > 100
        ? Math.max(0.01, Math.min(0.3, (s.randomLimited() + 1) / (s.randomCalls() + 10)))
        : settings.randomShare();
  }

  /**
   * Folds the seconds since the last evaluation into the random share: only seconds whose window
   * held well below the measured limit, where a 429 cannot have been the quota.
   */
  private State countRandom(State s, CallWindow w, long t) {
    long last = Math.floorDiv(t, 1000) - 1 - SETTLE_MS / 1000; // seconds whose 429s are back
    long from = Math.max(s.randomUptoSec() + 1, last - 120);
    double calls = s.randomCalls();
    double limited = s.randomLimited();
    for (long sec = from; sec <= last; sec++) {
      calls *= RANDOM_DECAY;
      limited *= RANDOM_DECAY;
      if (s.limitRpm() > 0
          && sec * 1000 > s.cutAtMs() + 2_000
          && w.acceptedInLastMinute(sec * 1000) < s.limitRpm() * BELOW_LIMIT) {
        calls += w.sentIn(sec);
        limited += w.limitedIn(sec);
      }
    }
    return new State(
        s.phase(),
        s.phaseSinceMs(),
        s.limitRpm(),
        s.targetRpm(),
        s.cutAtMs(),
        s.settleAtMs(),
        s.measuredFromMs(),
        s.probeEveryMs(),
        s.topSinceMs(),
        calls,
        limited,
        Math.max(s.randomUptoSec(), last));
  }

  /**
   * More 429s in a recent span than random ones explain (spans start at the last measurement).
   * Nearly every call of the last second refused is a quota wherever the window stands (a quota
   * that dropped below what the window holds refuses every call at once). While the window holds
   * the known limit, a few 429s in the last second or two beyond the random share are enough (see
   * {@link #atKnownLimit}). While it holds well below the measured limit, only the longest span is
   * judged otherwise: such 429s say the quota has dropped below what the window holds, which needs
   * more than the few 429s in a second or two that random ones give now and then. See
   * docs/decisions.md (2026-12-06, "Quota learner on the sawtooth").
   */
  private boolean dense(State s, CallWindow w, long t, double inWindow) {
    double p = randomShare(s);
    boolean belowKnown = s.limitRpm() > 0 && inWindow < s.limitRpm() * BELOW_LIMIT;
    for (long span : new long[] {0, DENSE_WINDOWS_MS[0]}) {
      // nearly every call of the last second refused: no random 429s do that (3 of 4 at 4% is
      // about one chance in 4,000), a quota that dropped below what the window holds does at once,
      // wherever the window stands against the limit known
      long[] nk = w.countsBetween(Math.max(t - span, spansFrom(s)), t);
      if (nk[1] >= DENSE_MIN && nk[1] >= REFUSED_NEARLY_ALL * nk[0]) {
        return true;
      }
    }
    if (atKnownLimit(s, w, t, inWindow)) {
      // the window holds the limit: a drop (or a probe meeting the limit) refuses every call, so a
      // laxer test over the last second hears it after about 3 429s instead of 5-8; a false one
      // measures what the window holds, about the limit, and costs little
      long[] nk = w.countsBetween(Math.max(t - DENSE_WINDOWS_MS[0], spansFrom(s)), t);
      double expected = p * nk[0];
      if (nk[0] > 0
          && nk[1]
              >= Math.max(
                  DENSE_MIN, expected + DROP_SIGMAS * Math.sqrt(Math.max(expected, 0.25)))) {
        return true;
      }
    }
    for (long span : DENSE_WINDOWS_MS) {
      if (belowKnown && span < DENSE_WINDOWS_MS[DENSE_WINDOWS_MS.length - 1]) {
        continue;
      }
      long[] nk = w.countsBetween(Math.max(t - span, spansFrom(s)), t);
      double expected = p * nk[0];
      if (nk[0] > 0
          && nk[1]
              >= Math.max(
                  DENSE_MIN,
                  expected + settings.strictness() * Math.sqrt(Math.max(expected, 0.25)) + 1)) {
        return true;
      }
    }
    return false;
  }

  /** Spans start from the second after the last measurement: its 429s are accounted for. */
  private static long spansFrom(State s) {
    return s.cutAtMs() > 0 ? (Math.floorDiv(s.cutAtMs(), 1000) + 1) * 1000 : 0;
  }

  /**
   * The window holds the known limit, so a 429 may be the quota: holding, or probing while the
   * window is within 10% of the limit or has stopped filling (a probe climbing well past the limit
   * has room, and its 429s are random ones).
   */
  private boolean atKnownLimit(State s, CallWindow w, long t, double inWindow) {
    if (s.limitRpm() <= 0 || inWindow < s.limitRpm() * (1 - settings.margin()) * 0.99) {
      return false;
    }
    return s.phase() != Phase.PROBE
        || inWindow <= s.limitRpm() * NEAR_LIMIT
        || !filledSince(w, t - STILL_FILLING_MS, t, inWindow);
  }

  /** Whether the window has filled by more than a call or two since {@code since}. */
  private static boolean filledSince(CallWindow w, long since, long t, double inWindow) {
    double then = w.acceptedInLastMinute(since);
    return inWindow > then + Math.max(2, then * 0.005);
  }

  /** Since the probe reached the known limit, more 429s than random ones explain. */
  private boolean probeHitLimit(State s, CallWindow w, long top, long t, int fewest) {
    long[] nk = w.countsBetween(top, t);
    double expected = randomShare(s) * nk[0];
    return nk[1] >= Math.max(fewest, expected + PROBE_SIGMAS * Math.sqrt(Math.max(expected, 0.25)));
  }

  /**
   * The window holds the limit: measure it, at once from what has come back so far (some 429s of
   * the last calls may still be on their way: then the window looks fuller than the provider's),
   * and again {@value #SETTLE_MS} ms later from settled counts ({@link #settle}).
   */
  private State measure(State s, CallWindow w, Inputs in, double inWindow) {
    long t = in.nowMs();
    long from = spanStart(in, t);
    double limit = Math.max(1, Math.min(inWindow, w.acceptedBetween(from, t)));
    long every =
        s.limitRpm() > 0 && Math.abs(limit - s.limitRpm()) <= SAME_LIMIT * s.limitRpm()
            ? Math.min(settings.probeEveryMax().toMillis(), s.probeEveryMs() * 2)
            : settings.probeEvery().toMillis();
    if (s.phase() == Phase.PROBE
        && limit
            > w.acceptedInLastMinute(s.phaseSinceMs())
                / (1 - settings.margin())
                * (1 + CAME_BACK)) {
      // the probe climbed far above where it started (a quota that came back): probe again soon,
      // a random 429 may have ended it short of the new limit
      every = Math.min(every, CAME_BACK_PAUSE_MS);
    }
    return new State(
        s.phase() == Phase.TOLD ? Phase.TOLD : Phase.HOLD,
        t,
        limit,
        Math.max(1, limit * (1 - settings.margin())),
        t,
        t + SETTLE_MS,
        from,
        every,
        0,
        s.randomCalls(),
        s.randomLimited(),
        s.randomUptoSec());
  }

  /** The measurement again, now that the 429s of the calls made before it have come back. */
  private State settle(State s, CallWindow w) {
    double limit = Math.max(1, w.acceptedBetween(s.measuredFromMs(), s.cutAtMs()));
    boolean holding = s.phase() == Phase.HOLD || s.phase() == Phase.TOLD;
    return new State(
        s.phase(),
        s.phaseSinceMs(),
        limit,
        holding ? Math.max(1, limit * (1 - settings.margin())) : s.targetRpm(),
        s.cutAtMs(),
        0,
        s.measuredFromMs(),
        s.probeEveryMs(),
        s.topSinceMs(),
        s.randomCalls(),
        s.randomLimited(),
        s.randomUptoSec());
  }

  /**
   * The start of the span whose accepted calls fill the provider's window at {@code at}: 60 s
   * before, or later when a 429 just now says a slot frees only after its retry delay (so the
   * window holds more than the limit, which has just dropped: what remains after the delay is it).
   */
  private static long spanStart(Inputs in, long at) {
    long from = at - CallWindow.MINUTE_MS;
    if (in.retryDelayMs() > 0
        && in.retryDelayMs() < CallWindow.MINUTE_MS
        && at - in.retryAtMs() <= 1_000) {
      from = Math.max(from, in.retryAtMs() + in.retryDelayMs() - CallWindow.MINUTE_MS);
    }
    return from;
  }

  /**
   * At the start of an hour, the rate learnt for it on earlier days: a lower one is planned for at
   * once (no 429s to learn it again), a higher one is probed for at once.
   */
  private State planned(State s, Inputs in, long t) {
    double planned = in.plannedRpm();
    if (!in.hourChanged() || planned <= 0 || s.phase() == Phase.TOLD) {
      return s;
    }
    double now = s.targetRpm();
    if (planned < now * 0.9) {
      return s.with(Phase.HOLD, t, planned / (1 - settings.margin()), planned);
    }
    if (planned > now * 1.1 && s.phase() == Phase.HOLD) {
      return s.with(Phase.HOLD, t - s.probeEveryMs(), s.limitRpm(), s.targetRpm());
    }
    return s;
  }

  /**
   * The most the provider's window held, during this probe, when it still accepted a call: a lower
   * bound of its limit. Judged on seconds whose 429s have all come back; a window that holds more
   * than the limit only because it still holds calls accepted before the limit dropped proves
   * nothing, hence "when it accepted".
   */
  private static double roomProved(State s, CallWindow w, long t) {
    double proved = 0;
    long last = Math.floorDiv(t - SETTLE_MS, 1000) - 1;
    for (long sec = Math.max(Math.floorDiv(s.phaseSinceMs(), 1000) + 1, last - 5);
        sec <= last;
        sec++) {
      if (w.sentIn(sec) > w.limitedIn(sec)) {
        proved = Math.max(proved, w.acceptedInLastMinute(sec * 1000));
      }
    }
    return proved;
  }

  private State advance(State s, double inWindow, double settled, double ceiling, long t) {
    return switch (s.phase()) {
      case HOLD ->
          t - s.phaseSinceMs() >= s.probeEveryMs()
              ? s.with(Phase.PROBE, t, s.limitRpm(), s.limitRpm() * (1 + settings.probeStep()))
              : s;
      case PROBE -> {
        if (settled < s.limitRpm() * (1 + ESCALATE_PAST)) {
          yield s;
        }
        // past the old limit without 429s: it has moved up; climb from what the window holds
        State climbed =
            s.with(Phase.PROBE, s.phaseSinceMs(), settled, settled * (1 + settings.probeStep()));
        yield withTop(withEvery(climbed, settings.probeEvery().toMillis()), t);
      }
      case ESCALATE ->
          inWindow >= ceiling * 0.97 ? s.with(Phase.ESCALATE, s.phaseSinceMs(), 0, ceiling) : s;
      case TOLD -> s;
    };
  }

  /**
   * Calls per minute for the next slots: what leaves the window now, plus the room below the target
   * spread over {@value #FILL_SECONDS} s (minus the excess above it), never above the ceiling nor
   * below half the target.
   */
  private double pace(State s, CallWindow w, Inputs in, double inWindow) {
    double ceiling = in.ceilingRpm() * in.utilization();
    if (s.phase() == Phase.ESCALATE && s.limitRpm() <= 0) {
      return ceiling;
    }
    long t = in.nowMs();
    double goal = s.targetRpm() * in.utilization();
    double leaving =
        w.acceptedBetween(t - CallWindow.MINUTE_MS, t - CallWindow.MINUTE_MS + LEAVING_MS)
            * CallWindow.MINUTE_MS
            / LEAVING_MS;
    double pace = leaving + (goal - inWindow) * 60 / FILL_SECONDS;
    if (s.phase() == Phase.HOLD || s.phase() == Phase.TOLD) {
      // replaying a burst that leaves the window would keep the window bursty for ever
      pace = Math.min(pace, goal * PACE_CAP);
    } else if (s.phase() == Phase.PROBE) {
      // past the limit every call above it is refused until we hear of it: not much above it
      pace = Math.min(pace, goal);
    }
    return Math.min(ceiling, Math.max(goal * PACE_FLOOR, pace));
  }

  private static State withTop(State s, long top) {
    return new State(
        s.phase(),
        s.phaseSinceMs(),
        s.limitRpm(),
        s.targetRpm(),
        s.cutAtMs(),
        s.settleAtMs(),
        s.measuredFromMs(),
        s.probeEveryMs(),
        top,
        s.randomCalls(),
        s.randomLimited(),
        s.randomUptoSec());
  }

  private static State withEvery(State s, long every) {
    return new State(
        s.phase(),
        s.phaseSinceMs(),
        s.limitRpm(),
        s.targetRpm(),
        s.cutAtMs(),
        s.settleAtMs(),
        s.measuredFromMs(),
        every,
        s.topSinceMs(),
        s.randomCalls(),
        s.randomLimited(),
        s.randomUptoSec());
  }
}
