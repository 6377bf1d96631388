package io.catalogimage.worker.budget;

import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.budget.ModelBudget;
import io.catalogimage.common.calendar.PeakCalendar;
import io.catalogimage.worker.provider.CallInfo;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The budgets of all models on all provider accounts, as this worker sees them: asks the shared
 * store whether a call may go, and tells it what the provider answered. The rate in use is learnt
 * from those answers for every replica together ({@link QuotaLearner}: the configured rate is the
 * ceiling), a used-up daily quota parks everyone until the reset (but for one re-probe call across
 * the fleet every {@code exhausted-reprobe}, whose success makes the model usable again for all),
 * and the rate learnt per hour of the day is kept for tomorrow's plans.
 */
@Component
public class Budgets {

  private static final Logger log = LoggerFactory.getLogger(Budgets.class);

  /** One replica evaluates the learner at most this often (and right after a 429). */
  private static final long LEARN_EVERY_MS = 250;

  private static final long LEARN_AFTER_429_MS = 50;

  /** A limit stated in every answer's headers is written to the shared row at most this often. */
  private static final long TOLD_REFRESH_MS = 5_000;

  /** Seconds of history the learner reads: the 60 s window, and the one before it. */
  private static final int HISTORY_SECONDS = 130;

  /** Minutes of earlier days an hour needs before its learnt rate plans anything. */
  private static final int PLANNED_AFTER_MINUTES = 30;

  private final BudgetProperties props;
  private final PeakCalendar peak;
  private final BudgetStore store;
  private final Clock clock;
  private final MeterRegistry meters;
  private final QuotaLearner learner;
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Map<String, Exhausted> exhausted = new ConcurrentHashMap<>();
  private final Set<String> learnPending = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService soon =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "budget-learn-after-429");
            t.setDaemon(true);
            return t;
          });

  /** The longest a replica trusts its memory of a used-up daily quota without reading the row. */
  private static final long RECHECK_MS = 30_000;

  /**
   * Items parked until a reset are due at it (a few milliseconds after, when handed back by the
   * budget gate); the window tells them from items waiting on the same model for other reasons.
   */
  private static final Duration PARKED_NEAR_RESET = Duration.ofMinutes(1);

  /** A re-probe due this long with no call making it: a parked item is woken to make it. */
  static final long REPROBE_UNMADE_AFTER_MS = 2_000;

  /** A parked item woken for a re-probe that never made it: another is woken after this. */
  static final long WAKE_AGAIN_AFTER_MS = 60_000;

  /**
   * A daily quota this replica knows to be used up until {@code reset}; the shared row is read
   * again from {@code recheckAtMs} (the next re-probe), so a quota another replica's probe found
   * back is used again here too.
   */
  private record Exhausted(Instant reset, long recheckAtMs) {}

  /** What this replica last learnt about one budget (gauges, the check of booked slots). */
  private static final class Known {
    volatile double configuredRpm = Double.NaN;
    volatile double learntRpm = Double.NaN;
    volatile double limitRpm = Double.NaN;
    volatile double paceRpm = Double.NaN;
    volatile double randomShare = Double.NaN;
    volatile long measuredAtMs;
    volatile int plannedHour = -1;
    volatile double plannedRpm;
    volatile int toldRpm;
    volatile long toldAtMs;
  }

  public Budgets(
      BudgetProperties props,
      PeakCalendar peak,
      BudgetStore store,
      Clock clock,
      MeterRegistry meters) {
    this.props = props;
    this.peak = peak;
    this.store = store;
    this.clock = clock;
    this.meters = meters;
    this.learner = new QuotaLearner(props.learning());
  }

  public ModelBudget budgetOf(String model) {
    return props.forModel(model);
  }

  /** May a call to {@code model} on {@code endpoint} go, and when. */
  public BudgetAnswer acquire(String endpoint, String model) {
    ModelBudget budget = props.forModel(model);
    Instant now = clock.instant();
    Integer rpm = budget.rateAt(peak.isPeak(now));
    double interval = rpm == null ? 0 : 60_000.0 / (rpm * props.utilization());
    boolean learning = learns(rpm);
    String key = key(endpoint, model);
    BudgetStore.Acquired a =
        store.acquire(
            key,
            now.toEpochMilli(),
            interval,
            learning,
            budget.burstOrOne(),
            props.reservationHorizon().toMillis(),
            day(budget, now),
            budget.requestsPerDay() == null ? 0 : budget.requestsPerDay(),
            props.exhaustedReprobe().toMillis());
    Known k = observe(key, endpoint, model, rpm, a);
    long bookedUnder = k.measuredAtMs; // a measurement by the learn below makes this slot stale
    if (learning && now.toEpochMilli() - a.learntAtMs() >= LEARN_EVERY_MS) {
      learn(key, endpoint, model, rpm, now, LEARN_EVERY_MS);
    }
    if (!a.dayExhausted()) {
      // the row says usable (another replica's re-probe found it back, or the day changed): a
      // remembered "used up" would park the item this slot is for until the reset
      exhausted.remove(key);
    }
    if (a.probe()) {
      log.info(
          "{}: re-probing a daily quota said used up with one call (next re-probe at {})",
          key,
          Instant.ofEpochMilli(a.reprobeAtMs()));
      // its success must clear the shared row: remembered so that succeeded(...) looks
      exhausted.put(key, new Exhausted(nextReset(budget, now), soonest(a.reprobeAtMs(), now)));
    }
    if (a.granted()) {
      return new BudgetAnswer.Go(
          Duration.ofMillis(a.delayMs()), bookedUnder, now.toEpochMilli() + a.delayMs(), a.probe());
    }
    if (a.exhausted()) {
      Instant reset = nextReset(budget, now);
      return new BudgetAnswer.Wait(
          Duration.between(now, reset),
          "daily quota of " + model + " used up; it resets at " + reset,
          true);
    }
    long wait = Math.max(1, a.delayMs() - props.reservationHorizon().toMillis());
    return new BudgetAnswer.Wait(
        Duration.ofMillis(wait),
        "budget of "
            + model
            + " is booked "
            + Duration.ofMillis(a.delayMs()).toSeconds()
            + "s ahead",
        false);
  }

  /**
   * A slot booked ahead came due: whether its call goes now, counted then as sent in the shared
   * per-second count (the learner reads that count as what the provider's window holds, so a slot
   * counted from its booking, up to the reservation horizon ahead, diluted the last second's 429s
   * with calls not made yet). Not when the budget measured the provider's limit since it was
   * booked: the slot was booked at a pace that has proved too fast, and the caller asks again. The
   * shared row is read in the same statement: a measurement another replica made must stop this
   * replica's booked calls too, or they go out at the old pace into a full window until its next
   * ask (up to the reservation horizon of refused calls). A slot granted without delay was counted
   * when granted. When the database cannot be reached the call goes, uncounted.
   */
  public boolean dueNow(String endpoint, String model, BudgetAnswer.Go go) {
    String key = key(endpoint, model);
    Known k = known.get(key);
    if (k == null || go.slotAtMs() <= 0 || !props.learning().enabled()) {
      return true; // no booked slot (no rate limit), or nobody reads the count
    }
    if (k.measuredAtMs > go.measuredAtMs()) {
      return false;
    }
    long cut;
    try {
      cut = store.dueNow(key, Math.floorDiv(go.slotAtMs(), 1000), go.measuredAtMs());
    } catch (RuntimeException e) {
      log.warn("could not count a due slot of {}; it goes uncounted: {}", key, e.toString());
      return true;
    }
    k.measuredAtMs = Math.max(k.measuredAtMs, cut);
    return cut <= go.measuredAtMs();
  }

  /**
   * A slot counted as sent (granted for now, or {@link #dueNow due}) whose call was never made
   * after all (the lease was lost, a cap refused it, the daily quota ran out, nobody was waiting
   * for it): it leaves the shared per-second count of calls, which the learner reads as what the
   * provider's window holds. Counted, it would make the window look fuller than the provider's, and
   * a measurement taken then higher than the limit. A slot booked ahead that never came due was
   * never counted.
   */
  public void unused(String endpoint, String model, BudgetAnswer.Go go) {
    if (go.slotAtMs() <= 0 || !props.learning().enabled()) {
      return; // not a booked slot (no rate limit), or nobody reads the count
    }
    store.unsent(key(endpoint, model), Math.floorDiv(go.slotAtMs(), 1000));
  }

  /**
   * A call succeeded. Nothing to count (the learner counts what went and what was refused), but a
   * success of a call sent after the daily quota was said used up (a re-probe) proves it back:
   * cleared for every replica.
   */
  public void succeeded(String endpoint, String model, Duration latency) {
    succeeded(endpoint, model, clock.instant().minus(latency == null ? Duration.ZERO : latency));
  }

  /**
   * As {@link #succeeded(String, String, Duration)} for a call that went at {@code sentAt} (at the
   * latest: the caller passes when the call was recorded, just before it went). A success answer
   * carries an image and may arrive well after the daily 429s of calls sent after it, so a time
   * worked back from a latency can make a call in flight when the quota ran out look like a
   * re-probe.
   */
  public void succeeded(String endpoint, String model, Instant sentAt) {
    String key = key(endpoint, model);
    if (!exhausted.containsKey(key)) {
      return;
    }
    Instant now = clock.instant();
    Instant reset = nextReset(props.forModel(model), now);
    BudgetStore.Back back =
        store.quotaBack(
            key,
            sentAt.toEpochMilli(),
            model,
            now.toEpochMilli(),
            reset.minus(PARKED_NEAR_RESET).toEpochMilli(),
            reset.plus(PARKED_NEAR_RESET).toEpochMilli());
    if (back.cleared()) {
      exhausted.remove(key);
      log.info(
          "{}: the daily quota said used up answers again; the model is used again and {} items"
              + " parked until its reset are due now",
          key,
          back.woken());
    } else if (store.exhaustedOn(key, day(props.forModel(model), clock.instant())).isEmpty()) {
      exhausted.remove(key); // another replica's success cleared the row first
    }
  }

  /**
   * Wakes one parked item to be the re-probe of each used-up daily quota whose re-probe has been
   * due for {@link #REPROBE_UNMADE_AFTER_MS} without any call making it: items parked until the
   * reset (no next model in their chain) are then the only demand for the model, and without this a
   * fleet holding only parked items would never probe. One item per re-probe across the fleet
   * (claimed on the shared row); another after {@link #WAKE_AGAIN_AFTER_MS} if that one never made
   * the call. Run by every worker now and then; returns the number of items woken.
   */
  public int wakeParkedForReprobes() {
    if (!reprobes()) {
      return 0;
    }
    Instant now = clock.instant();
    long nowMs = now.toEpochMilli();
    long dueBefore = nowMs - REPROBE_UNMADE_AFTER_MS;
    long wokenBefore = nowMs - WAKE_AGAIN_AFTER_MS;
    int woken = 0;
    for (BudgetStore.UnmadeReprobe r : store.reprobesUnmade(dueBefore, wokenBefore)) {
      String model = r.key().substring(r.key().lastIndexOf('/') + 1);
      ModelBudget budget = props.forModel(model);
      if (!day(budget, now).equals(r.day())) {
        continue; // used up on an earlier day: its reset has come, the parked items are due
      }
      Instant reset = nextReset(budget, now);
      if (store.wakeOneParked(
          r,
          model,
          nowMs,
          dueBefore,
          wokenBefore,
          reset.minus(PARKED_NEAR_RESET).toEpochMilli(),
          reset.plus(PARKED_NEAR_RESET).toEpochMilli())) {
        woken++;
        log.info("{}: re-probe due and unmade; one item parked until the reset makes it", r.key());
      }
    }
    return woken;
  }

  /**
   * A provider's answer, heard as soon as it arrives (on the HTTP client's thread, before the
   * result is stored): a 429 goes to the learner at once, since every second it waits is a second
   * of calls at a rate the provider refuses; an {@code x-ratelimit-limit-requests} header states
   * the per-minute limit outright. Never throws.
   */
  public void answered(String endpoint, String model, ProviderOutcome outcome) {
    if (outcome == null) {
      return;
    }
    try {
      CallInfo info = outcome.info();
      if (info != null && info.limitPerMinute() != null && props.learning().enabled()) {
        told(endpoint, model, info.limitPerMinute());
      }
      if (outcome instanceof ProviderOutcome.RateLimited r) {
        Instant sentAt =
            info == null || info.latency() == null ? null : clock.instant().minus(info.latency());
        rateLimited(endpoint, model, r.retryAfter(), sentAt);
      }
    } catch (RuntimeException e) {
      log.warn(
          "could not tell the budget of {} about a {}: {}", model, outcome.kind(), e.toString());
    }
  }

  /**
   * The provider answered 429 with this retry delay (or none). The learner decides whether it was
   * the quota (429s denser than the provider's random ones): then everyone holds back and the rate
   * follows the limit the window shows; an isolated 429 only delays the call that got it. With
   * learning off, the retry delay holds back every caller.
   */
  public void rateLimited(String endpoint, String model, Duration retryAfter) {
    rateLimited(endpoint, model, retryAfter, null);
  }

  /**
   * As {@link #rateLimited(String, String, Duration)}, for a call that went at {@code sentAt}: the
   * 429 counts in the second its call went, whose window the provider judged (a busy worker may
   * hear of it seconds later).
   */
  public void rateLimited(String endpoint, String model, Duration retryAfter, Instant sentAt) {
    Instant now = clock.instant();
    String key = key(endpoint, model);
    Long retryMs = retryAfter == null ? null : retryAfter.toMillis();
    long went = sentAt == null || sentAt.isAfter(now) ? now.toEpochMilli() : sentAt.toEpochMilli();
    store.rateLimited(key, now.toEpochMilli(), went, retryMs);
    Integer rpm = props.forModel(model).rateAt(peak.isPeak(now));
    if (learns(rpm)) {
      if (!learn(key, endpoint, model, rpm, now, LEARN_AFTER_429_MS)) {
        learnSoon(key, endpoint, model, rpm);
      }
    } else if (retryMs != null) {
      store.block(key, now.toEpochMilli() + retryMs);
    }
  }

  /**
   * A 429 whose evaluation was taken by another one just before (one replica at a time, at most
   * every {@value #LEARN_AFTER_429_MS} ms) is evaluated right after it, not at the next ask a
   * quarter of a second later: at a limit every call sent meanwhile is one more 429.
   */
  private void learnSoon(String key, String endpoint, String model, int rpm) {
    if (!learnPending.add(key)) {
      return; // one is already on its way, and will see this 429 too
    }
    try {
      soon.schedule(
          () -> {
            learnPending.remove(key);
            learn(key, endpoint, model, rpm, clock.instant(), LEARN_AFTER_429_MS);
          },
          LEARN_AFTER_429_MS,
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      learnPending.remove(key); // shutting down
    }
  }

  @PreDestroy
  void stop() {
    soon.shutdownNow();
  }

  /** Keeps a stated limit in the shared row when it changed, or every few seconds (freshness). */
  private void told(String endpoint, String model, int limit) {
    String key = key(endpoint, model);
    Known k = known(key, endpoint, model);
    long now = clock.millis();
    if (k.toldRpm != limit || now - k.toldAtMs >= TOLD_REFRESH_MS) {
      store.told(key, now, limit);
      k.toldRpm = limit;
      k.toldAtMs = now;
    }
  }

  /**
   * The provider says the daily quota is used up, to a call that went at {@code sentAt} (when it
   * was recorded, just before it went): every replica parks until the reset, but for a re-probe
   * after {@code exhausted-reprobe}. Only a refused re-probe ({@code probe}, sent since) doubles
   * the pause before the next, up to {@code exhausted-reprobe-max}: the calls in flight when the
   * quota ran out, and slots booked before it, are refused too, but they say nothing new, and each
   * would double the pause (3 s, 6 s, 12 s) before the first re-probe was even made.
   */
  public Instant dailyQuotaExhausted(String endpoint, String model, Instant sentAt, boolean probe) {
    ModelBudget budget = props.forModel(model);
    Instant now = clock.instant();
    String key = key(endpoint, model);
    BudgetStore.Marked m =
        store.dayExhausted(
            key,
            day(budget, now),
            now.toEpochMilli(),
            sentAt.toEpochMilli(),
            probe,
            props.exhaustedReprobe().toMillis(),
            props.exhaustedReprobeMax().toMillis());
    Instant reset = nextReset(budget, now);
    if (m.moved() && reprobes()) {
      log.info(
          "{}: daily quota {}; re-probing it at {}",
          key,
          m.fresh() ? "used up" : "still used up",
          Instant.ofEpochMilli(m.reprobeAtMs()));
    }
    exhausted.put(key, new Exhausted(reset, recheckAt(m.reprobeAtMs(), reset, now)));
    return reset;
  }

  private boolean reprobes() {
    return !props.exhaustedReprobe().isZero();
  }

  /** No re-probe: the row is read again only at the reset. */
  private long recheckAt(long reprobeAtMs, Instant reset, Instant now) {
    return reprobes() ? soonest(reprobeAtMs, now) : reset.toEpochMilli();
  }

  /**
   * When this replica reads the shared row again: at the next re-probe, but at least every {@link
   * #RECHECK_MS}, so that a re-probe another replica made good is seen within that time.
   */
  private static long soonest(long reprobeAtMs, Instant now) {
    return Math.min(reprobeAtMs, now.toEpochMilli() + RECHECK_MS);
  }

  /**
   * For a slot booked before this worker learnt that the daily quota is used up: the wait until the
   * reset, or empty. Answered from memory, so a booked call re-checks for free; other replicas
   * learn it at their next ask.
   */
  public Optional<BudgetAnswer.Wait> exhausted(String endpoint, String model) {
    String key = key(endpoint, model);
    Exhausted e = exhausted.get(key);
    Instant now = clock.instant();
    if (e == null) {
      return Optional.empty();
    }
    if (!now.isBefore(e.reset())) {
      exhausted.remove(key, e);
      return Optional.empty();
    }
    if (now.toEpochMilli() >= e.recheckAtMs()) {
      Optional<Long> reprobeAt;
      try {
        reprobeAt = store.exhaustedOn(key, day(props.forModel(model), now));
      } catch (RuntimeException dbAway) {
        reprobeAt = Optional.of(now.toEpochMilli() + 1_000);
      }
      if (reprobeAt.isEmpty()) {
        exhausted.remove(key, e); // a re-probe found it back (or the day changed)
        return Optional.empty();
      }
      if (reprobeAt.get() <= now.toEpochMilli()) {
        // a re-probe is due and nobody has claimed it: let calls route here; the budget lets one
        // through and answers the others "used up"; read the row again in a second
        exhausted.replace(key, e, new Exhausted(e.reset(), now.toEpochMilli() + 1_000));
        return Optional.empty();
      }
      exhausted.replace(key, e, new Exhausted(e.reset(), soonest(reprobeAt.get(), now)));
    }
    Instant until = e.reset();
    return Optional.of(
        new BudgetAnswer.Wait(
            Duration.between(now, until),
            "daily quota of " + model + " used up; it resets at " + until,
            true));
  }

  /** The rate this worker last knew to be in use for {@code model} (calls per minute), if any. */
  public Optional<Double> learntRpm(String endpoint, String model) {
    Known k = known.get(key(endpoint, model));
    return k == null || Double.isNaN(k.learntRpm) ? Optional.empty() : Optional.of(k.learntRpm);
  }

  /** When the daily quota of {@code model} is next reset. */
  public Instant nextReset(String model) {
    return nextReset(props.forModel(model), clock.instant());
  }

  static Instant nextReset(ModelBudget budget, Instant now) {
    ZoneId zone = budget.zone();
    return LocalDate.ofInstant(now, zone).plusDays(1).atStartOfDay(zone).toInstant();
  }

  static String day(ModelBudget budget, Instant now) {
    return LocalDate.ofInstant(now, budget.zone()).toString();
  }

  /** The budget of a model on one provider account (endpoint). */
  public static String key(String endpoint, String model) {
    return endpoint + "/" + model;
  }

  /** Learning needs a ceiling: a model with no configured rate is not paced at all. */
  private boolean learns(Integer rpm) {
    return rpm != null && props.learning().enabled();
  }

  /**
   * Evaluates the learner if it is this replica's turn: every replica's calls of the last two
   * minutes, the provider's latest retry delay and stated limit, and the rate learnt for this hour
   * on earlier days. Once a minute it also folds the rate in use into that hour's learnt rate and
   * forgets old seconds.
   *
   * @return false when it was not this replica's turn (another evaluation less than {@code gapMs}
   *     ago); true when it evaluated, or tried and failed (logged)
   */
  private boolean learn(
      String key, String endpoint, String model, int rpm, Instant at, long gapMs) {
    long now = at.toEpochMilli();
    try {
      Optional<BudgetStore.Claimed> claimed = store.claim(key, now, gapMs);
      if (claimed.isEmpty()) {
        return false;
      }
      BudgetStore.Claimed c = claimed.get();
      int hour = at.atZone(ZoneOffset.UTC).getHour();
      Known k = known(key, endpoint, model);
      double planned = planned(k, endpoint, model, hour);
      QuotaLearner.State state =
          c.state() != null
              ? c.state()
              : QuotaLearner.State.initial(
                  now, rpm, planned, props.learning().probeEvery().toMillis());
      long nowSec = Math.floorDiv(now, 1000);
      CallWindow window = store.seconds(key, nowSec - HISTORY_SECONDS, nowSec + 5);
      QuotaLearner.Outcome o =
          learner.evaluate(
              state,
              window,
              new QuotaLearner.Inputs(
                  now,
                  rpm,
                  props.utilization(),
                  c.retryDelayMs(),
                  c.retryAtMs(),
                  c.toldLimitRpm(),
                  c.toldAtMs(),
                  planned,
                  c.hour() != hour && c.state() != null));
      long minute = Math.floorDiv(now, 60_000);
      double learnt = learner.learntRpm(o.state(), rpm);
      store.save(key, now, hour, Math.max(minute, c.historyMinute()), learnt, o);
      k.learntRpm = learnt;
      k.limitRpm = o.state().limitRpm() > 0 ? o.state().limitRpm() : Double.NaN;
      k.paceRpm = o.paceRpm();
      k.randomShare = learner.randomShare(o.state());
      k.measuredAtMs = Math.max(k.measuredAtMs, o.state().cutAtMs());
      if (log.isDebugEnabled() && (state.phase() != o.state().phase() || o.blockUntilMs() > now)) {
        long[] last = window.countsBetween(now - 1000, now);
        log.debug(
            "{}: {} -> {}, limit {}, target {}, pace {}, window {}, last second {} calls {} 429s,"
                + " block {} ms",
            key,
            state.phase(),
            o.state().phase(),
            Math.round(o.state().limitRpm()),
            Math.round(o.state().targetRpm()),
            Math.round(o.paceRpm()),
            Math.round(window.acceptedInLastMinute(now)),
            last[0],
            last[1],
            Math.max(0, o.blockUntilMs() - now));
      }
      if (o.cut()) {
        log.info(
            "{}: the provider's limit measured at {} calls/min; holding at {}",
            key,
            Math.round(o.state().limitRpm()),
            Math.round(o.state().targetRpm()));
      }
      if (minute > c.historyMinute()) {
        store.forgetSecondsBefore(key, nowSec - 2 * HISTORY_SECONDS);
        // a minute with calls says something about the hour; an idle one does not
        if (window.acceptedInLastMinute(now) >= learnt * 0.5) {
          store.learntMinute(endpoint, model, hour, learnt, props.learning().historyWeight());
        }
      }
    } catch (RuntimeException e) {
      log.warn("could not learn the rate of {}: {}", key, e.toString());
    }
    return true;
  }

  /** The rate learnt for this hour on earlier days (0 = not enough yet), asked once per hour. */
  private double planned(Known k, String endpoint, String model, int hour) {
    if (k.plannedHour != hour) {
      k.plannedRpm = store.learntHour(endpoint, model, hour, PLANNED_AFTER_MINUTES).orElse(0.0);
      k.plannedHour = hour;
    }
    return k.plannedRpm;
  }

  /** What this replica knows of one budget, with its gauges (per model and endpoint). */
  private Known known(String key, String endpoint, String model) {
    return known.computeIfAbsent(
        key,
        x -> {
          Known fresh = new Known();
          register(
              "pipeline.budget.learnt_rpm",
              endpoint,
              model,
              fresh,
              v -> v.learntRpm,
              "calls per minute the budget plans for: the learnt rate (the configured one"
                  + " until a lower limit is measured)");
          register(
              "pipeline.budget.limit_rpm",
              endpoint,
              model,
              fresh,
              v -> v.limitRpm,
              "the provider's per-minute limit as last measured (NaN: none below the"
                  + " configured rate)");
          register(
              "pipeline.budget.effective_rpm",
              endpoint,
              model,
              fresh,
              v -> v.paceRpm,
              "calls per minute booked now (NaN = unlimited)");
          register(
              "pipeline.budget.rate_factor",
              endpoint,
              model,
              fresh,
              v -> v.learntRpm / v.configuredRpm,
              "share of the configured rate the budget plans for");
          register(
              "pipeline.budget.configured_rpm",
              endpoint,
              model,
              fresh,
              v -> v.configuredRpm,
              "the model's configured requests per minute (NaN = unlimited)");
          register(
              "pipeline.budget.random_429_share",
              endpoint,
              model,
              fresh,
              v -> v.randomShare,
              "share of calls the provider refuses whatever its quota, as measured");
          return fresh;
        });
  }

  /** Updates what this replica knows from the answer of the shared row. */
  private Known observe(
      String key, String endpoint, String model, Integer rpm, BudgetStore.Acquired a) {
    Known k = known(key, endpoint, model);
    k.configuredRpm = rpm == null ? Double.NaN : rpm;
    if (rpm == null) {
      k.learntRpm = Double.NaN;
      k.paceRpm = Double.NaN;
    } else if (!learns(rpm)) {
      k.learntRpm = rpm;
      k.paceRpm = rpm * props.utilization();
    } else {
      k.learntRpm = a.learntRpm() > 0 ? Math.min(rpm, a.learntRpm()) : rpm;
      k.limitRpm = a.limitRpm() > 0 ? a.limitRpm() : Double.NaN;
      k.paceRpm = a.paceRpm() > 0 ? Math.min(a.paceRpm(), rpm * props.utilization()) : rpm;
    }
    k.measuredAtMs = Math.max(k.measuredAtMs, a.cutAtMs());
    return k;
  }

  private void register(
      String name,
      String endpoint,
      String model,
      Known k,
      java.util.function.ToDoubleFunction<Known> value,
      String description) {
    Gauge.builder(name, k, value)
        .tags("model", model, "endpoint", endpoint)
        .description(description)
        .register(meters);
  }
}
