package io.catalogimage.worker.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.budget.ModelBudget;
import io.catalogimage.common.calendar.PeakCalendar;
import io.catalogimage.worker.testing.MovableClock;
import io.catalogimage.worker.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The shared budget's arithmetic on a real database, with the clock moved by hand. */
class BudgetsTest {

  private static final String NB2 = "gemini-3.1-flash-image";
  private static final String EP = "google";
  // a Wednesday, 09:00 UTC: outside the default peak window
  private static final Instant START = Instant.parse("2026-12-02T09:00:00Z");

  private final MovableClock clock = new MovableClock(START);

  private static BudgetProperties props(ModelBudget nb2, Duration horizon) {
    return new BudgetProperties(
        null, Map.of(NB2, nb2), 1.0, horizon, Duration.ofSeconds(60), null, null, null);
  }

  private static ModelBudget perMinute(int rpm) {
    return new ModelBudget(rpm, null, null, null, null, null);
  }

  /**
   * The daily quota said used up to a re-probe (or the first call to hear it) that took {@code
   * latency}.
   */
  private Instant usedUpHeard(Budgets b, Duration latency) {
    return b.dailyQuotaExhausted(EP, NB2, clock.instant().minus(latency), true);
  }

  private Budgets budgets(JdbcClient db, BudgetProperties props, PeakCalendar peak) {
    return new Budgets(props, peak, new BudgetStore(db), clock, new SimpleMeterRegistry());
  }

  private Budgets budgets(JdbcClient db, BudgetProperties props) {
    return budgets(db, props, PeakCalendar.never());
  }

  @Test
  void callsAreSpacedEvenlyAtTheConfiguredRate() {
    Budgets b = budgets(TestDatabase.fresh(), props(perMinute(60), Duration.ZERO));

    assertThat(delayOf(b.acquire(EP, NB2))).isEqualTo(Duration.ZERO);
    BudgetAnswer second = b.acquire(EP, NB2);
    assertThat(second).isInstanceOf(BudgetAnswer.Wait.class);
    assertThat(((BudgetAnswer.Wait) second).after()).isEqualTo(Duration.ofSeconds(1));
    assertThat(((BudgetAnswer.Wait) second).dailyQuota()).isFalse();

    clock.advance(Duration.ofMillis(999));
    assertThat(b.acquire(EP, NB2)).isInstanceOf(BudgetAnswer.Wait.class);
    clock.advance(Duration.ofMillis(1));
    assertThat(delayOf(b.acquire(EP, NB2))).isEqualTo(Duration.ZERO);
  }

  @Test
  void slotsAreBookedAheadUpToTheHorizonThenTheAnswerIsWait() {
    Budgets b = budgets(TestDatabase.fresh(), props(perMinute(60), Duration.ofSeconds(3)));

    List<BudgetAnswer> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      answers.add(b.acquire(EP, NB2));
    }

    assertThat(answers.subList(0, 4))
        .extracting(BudgetsTest::delayOf)
        .containsExactly(
            Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3));
    // the next free slot is 4 s away: ask again when it is within the 3 s horizon
    assertThat(answers.get(4)).isInstanceOf(BudgetAnswer.Wait.class);
    assertThat(((BudgetAnswer.Wait) answers.get(4)).after()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aBurstIsAllowedAfterAQuietSpellButNeverMore() {
    ModelBudget burst = new ModelBudget(60, null, null, null, null, 3);
    Budgets b = budgets(TestDatabase.fresh(), props(burst, Duration.ZERO));

    assertThat(grantsNow(b, 10)).isEqualTo(3);
    clock.advance(Duration.ofHours(1));
    assertThat(grantsNow(b, 10)).as("a long pause refills the burst, not more").isEqualTo(3);
  }

  @Test
  void twoReplicasOnOneRowLearnTheProvidersLimitTogetherAndDoNotDoubleIt() {
    JdbcClient db = TestDatabase.fresh();
    // configured at 240 a minute; the provider grants 60 in any 60 s and says so only by 429s
    Budgets replica1 = budgets(db, props(perMinute(240), Duration.ZERO));
    Budgets replica2 = budgets(db, props(perMinute(240), Duration.ZERO));
    SlidingWindowProvider provider = new SlidingWindowProvider(60);

    drive(List.of(replica1, replica2), provider, Duration.ofSeconds(120));

    assertThat(learnt(db)).as("the learnt rate").isBetween(55.0, 60.0);
    SlidingWindowProvider.Counts before = provider.counts();
    drive(List.of(replica1, replica2), provider, Duration.ofSeconds(60));
    SlidingWindowProvider.Counts lastMinute = provider.counts().minus(before);
    assertThat(lastMinute.accepted())
        .as("calls both replicas made in the last minute")
        .isBetween(52L, 60L);
    assertThat(lastMinute.refused()).as("429s in the last minute (a probe)").isLessThanOrEqualTo(6);
    assertThat(replica1.learntRpm(EP, NB2)).hasValueSatisfying(r -> assertThat(r).isLessThan(61));
    assertThat(replica2.learntRpm(EP, NB2)).hasValueSatisfying(r -> assertThat(r).isLessThan(61));
  }

  @Test
  void twoReplicasFollowAQuotaThatDoubledWithinTheNextProbeAndAMinute() {
    JdbcClient db = TestDatabase.fresh();
    Budgets replica1 = budgets(db, props(perMinute(240), Duration.ZERO));
    Budgets replica2 = budgets(db, props(perMinute(240), Duration.ZERO));
    SlidingWindowProvider provider = new SlidingWindowProvider(60);
    drive(List.of(replica1, replica2), provider, Duration.ofSeconds(120));
    assertThat(learnt(db)).as("the learnt rate before").isBetween(55.0, 60.0);

    // the quota doubles: the next probe, within 30 s, whichever replica evaluates, climbs with it
    provider.limit(120);
    drive(List.of(replica1, replica2), provider, Duration.ofSeconds(90));

    assertThat(learnt(db)).as("the learnt rate 90 s after").isGreaterThan(110.0);
    assertThat(replica1.learntRpm(EP, NB2)).hasValueSatisfying(r -> assertThat(r).isLessThan(121));
  }

  @Test
  void theRateLearntForAnHourOnEarlierDaysIsPlannedForFromItsFirstSecond() {
    JdbcClient db = TestDatabase.fresh();
    // earlier days taught that the provider grants 60 a minute from 10:00 (configured: 240)
    db.sql(
            "INSERT INTO learnt_rates (endpoint, model, hour, rpm, minutes)"
                + " VALUES (:e, :m, 10, 60, 240)")
        .param("e", EP)
        .param("m", NB2)
        .update();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Budgets b =
        new Budgets(
            props(perMinute(240), Duration.ZERO),
            PeakCalendar.never(),
            new BudgetStore(db),
            clock,
            meters);
    clock.set(Instant.parse("2026-12-02T09:58:00Z"));
    SlidingWindowProvider provider = new SlidingWindowProvider(100_000);
    drive(List.of(b), provider, Duration.ofMinutes(2));
    assertThat(learnt(db))
        .as("before 10:00: nothing refused, the configured rate")
        .isEqualTo(240.0);

    // 10:00: the provider grants a quarter, and says so only by 429s
    provider.limit(60);
    SlidingWindowProvider.Counts before = provider.counts();
    drive(List.of(b), provider, Duration.ofSeconds(10));

    SlidingWindowProvider.Counts first = provider.counts().minus(before);
    assertThat(learnt(db))
        .as("the hour's rate, planned before any 429 could measure it")
        .isEqualTo(60.0);
    // the call booked at 10:00:00 under the old rate is refused; no other goes while the
    // provider's window still holds the last minute's 240 calls
    assertThat(first.refused()).as("429s in the first 10 s of the hour").isLessThanOrEqualTo(1);
    assertThat(first.accepted()).isZero();
    assertThat(meters.get("pipeline.budget.learnt_rpm").tag("model", NB2).gauge().value())
        .isBetween(58.0, 61.0);
    assertThat(meters.get("pipeline.budget.rate_factor").tag("endpoint", EP).gauge().value())
        .isBetween(0.24, 0.26);

    // today's busy minutes are folded into the hour's rate for tomorrow
    for (int m = 0; m < 4; m++) {
      drive(List.of(b), provider, Duration.ofMinutes(1));
    }
    Map<String, Object> hour10 =
        db.sql("SELECT rpm, minutes FROM learnt_rates WHERE hour = 10").query().singleRow();
    assertThat((Integer) hour10.get("minutes")).isGreaterThan(240);
    assertThat((Double) hour10.get("rpm")).isBetween(55.0, 62.0);
  }

  @Test
  void stray429sAmongManySuccessesDoNotLowerTheRate() {
    JdbcClient db = TestDatabase.fresh();
    Budgets b = budgets(db, props(perMinute(240), Duration.ZERO));
    SlidingWindowProvider provider = new SlidingWindowProvider(100_000);
    provider.refuseEvery(20); // one call in 20 answered 429, as an overloaded provider does

    drive(List.of(b), provider, Duration.ofSeconds(75));

    assertThat(provider.counts().randomRefusals()).isGreaterThan(12);
    assertThat(learnt(db)).isEqualTo(240.0);
    assertThat(provider.counts().offered()).as("calls in 75 s at 240/min").isGreaterThan(295);
  }

  @Test
  void anIsolated429sRetryDelayHoldsBackOnlyItsOwnCall() {
    JdbcClient db = TestDatabase.fresh();
    Budgets first = budgets(db, props(perMinute(600), Duration.ZERO));
    Budgets second = budgets(db, props(perMinute(600), Duration.ZERO));
    second.acquire(EP, NB2);
    clock.advance(Duration.ofSeconds(1));

    first.rateLimited(EP, NB2, Duration.ofSeconds(20));

    assertThat(second.acquire(EP, NB2)).isInstanceOf(BudgetAnswer.Go.class);
  }

  @Test
  void withLearningOffTheProvidersRetryDelayHoldsBackEveryCaller() {
    JdbcClient db = TestDatabase.fresh();
    BudgetProperties off =
        new BudgetProperties(
            null,
            Map.of(NB2, perMinute(600)),
            1.0,
            Duration.ZERO,
            Duration.ofSeconds(60),
            new BudgetProperties.Learning(false, null, null, null, null, null, null, null),
            null,
            null);
    Budgets first = budgets(db, off);
    Budgets second = budgets(db, off);

    first.rateLimited(EP, NB2, Duration.ofSeconds(20));

    BudgetAnswer answer = second.acquire(EP, NB2);
    assertThat(answer).isInstanceOf(BudgetAnswer.Wait.class);
    assertThat(((BudgetAnswer.Wait) answer).after()).isEqualTo(Duration.ofSeconds(20));
    clock.advance(Duration.ofSeconds(20));
    assertThat(second.acquire(EP, NB2)).isInstanceOf(BudgetAnswer.Go.class);
  }

  @Test
  void aSlotBookedBeforeTheLimitWasMeasuredIsAskedAgain() {
    JdbcClient db = TestDatabase.fresh();
    Budgets b = budgets(db, props(perMinute(600), Duration.ofSeconds(3)));
    BudgetAnswer.Go first = (BudgetAnswer.Go) b.acquire(EP, NB2);
    BudgetAnswer.Go booked = (BudgetAnswer.Go) b.acquire(EP, NB2);
    assertThat(booked.delay()).isEqualTo(Duration.ofMillis(100));
    assertThat(b.dueNow(EP, NB2, first)).isTrue();

    // every call is refused: the provider's window is full
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofMillis(60));
      b.rateLimited(EP, NB2, Duration.ofMillis(500));
    }

    assertThat(b.dueNow(EP, NB2, booked)).as("booked at the old pace").isFalse();
    BudgetAnswer.Go again = (BudgetAnswer.Go) b.acquire(EP, NB2);
    assertThat(again.delay())
        .as("held back as long as the provider's retry delay says")
        .isGreaterThan(Duration.ofMillis(300));
  }

  @Test
  void aSlotBookedBeforeAnotherReplicaMeasuredTheLimitIsAskedAgain() {
    JdbcClient db = TestDatabase.fresh();
    BudgetProperties props = props(perMinute(600), Duration.ofSeconds(3));
    Budgets mine = budgets(db, props);
    Budgets other = budgets(db, props);
    mine.acquire(EP, NB2);
    BudgetAnswer.Go booked = (BudgetAnswer.Go) mine.acquire(EP, NB2);
    assertThat(booked.delay()).isPositive();

    // the other replica's calls are refused: it measures the limit; this one has not asked since
    other.acquire(EP, NB2);
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofMillis(60));
      other.rateLimited(EP, NB2, Duration.ofMillis(500));
    }

    assertThat(mine.dueNow(EP, NB2, booked))
        .as("booked at the old pace, before the other replica's measurement")
        .isFalse();
  }

  @Test
  void slotsBookedAheadCountOnlyOnceTheirCallGoesSoADropIsHeardFromItsFirstRefusals() {
    JdbcClient db = TestDatabase.fresh();
    Budgets b = budgets(db, props(perMinute(600), Duration.ofSeconds(3)));
    // a busy worker books every slot of the next 3 s at once
    List<BudgetAnswer.Go> booked = new ArrayList<>();
    for (BudgetAnswer a = b.acquire(EP, NB2); a instanceof BudgetAnswer.Go go; ) {
      booked.add(go);
      a = b.acquire(EP, NB2);
    }
    assertThat(booked).hasSizeGreaterThan(25);
    assertThat(sentCounted(db)).as("counted: only the slot granted for now").isEqualTo(1);

    // the first three calls go, and the provider refuses each: its quota is below what it was
    // asked. Counted from their booking, this second would hold ten calls, three of them refused:
    // no sign of a quota yet, and every call still booked would go into the full window
    for (int i = 0; i < 3; i++) {
      BudgetAnswer.Go go = booked.get(i);
      clock.set(Instant.ofEpochMilli(go.slotAtMs()));
      if (i > 0) {
        assertThat(b.dueNow(EP, NB2, go)).as("slot %d still due", i).isTrue();
      }
      b.rateLimited(EP, NB2, Duration.ofMillis(500), clock.instant());
    }

    assertThat(sentCounted(db)).as("counted: the three calls that went").isEqualTo(3);
    BudgetAnswer.Go fourth = booked.get(3);
    clock.set(Instant.ofEpochMilli(fourth.slotAtMs()));
    assertThat(b.dueNow(EP, NB2, fourth)).as("booked before the drop was measured").isFalse();
    assertThat(sentCounted(db)).isEqualTo(3);
  }

  private static long sentCounted(JdbcClient db) {
    return db.sql("SELECT coalesce(sum(sent), 0) FROM budget_seconds").query(Long.class).single();
  }

  @Test
  void four29sRightAfterAnEvaluationAreEvaluatedWithoutWaitingForTheNextAsk() {
    JdbcClient db = TestDatabase.fresh();
    BudgetStore store = new BudgetStore(db);
    Budgets b =
        new Budgets(
            props(perMinute(600), Duration.ofSeconds(3)),
            PeakCalendar.never(),
            store,
            java.time.Clock.systemUTC(),
            new SimpleMeterRegistry());
    try {
      b.acquire(EP, NB2); // evaluated now: the next evaluation may come 50 ms later at the soonest
      // every call refused (within those 50 ms on any but a stalled machine)
      for (int i = 0; i < 4; i++) {
        b.rateLimited(EP, NB2, Duration.ofMillis(500));
      }

      // nobody asks for a slot again: the 429s are evaluated all the same
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  db.sql("SELECT cut_at_ms FROM budget_state WHERE budget_key = :k")
                          .param("k", Budgets.key(EP, NB2))
                          .query(Long.class)
                          .single()
                      > 0);
    } finally {
      b.stop();
    }
  }

  @Test
  void slotsBookedButNeverCalledDoNotMakeTheLearntLimitHigher() {
    JdbcClient db = TestDatabase.fresh();
    // configured at 240 a minute; the provider grants 60; every other slot is never called (its
    // lease was lost, a cap refused it): the provider never sees it, so it must not count either
    Budgets b = budgets(db, props(perMinute(240), Duration.ZERO));
    SlidingWindowProvider provider = new SlidingWindowProvider(60);

    drive(List.of(b), provider, Duration.ofSeconds(150), 2);

    assertThat(learnt(db)).as("the learnt rate").isBetween(55.0, 60.0);
  }

  @Test
  void theDailyQuotaResetsAtMidnightPacificNotBefore() {
    ModelBudget daily = new ModelBudget(null, null, 2, null, null, null);
    Budgets b = budgets(TestDatabase.fresh(), props(daily, Duration.ZERO));
    Instant midnightPacific =
        ZonedDateTime.parse("2026-12-03T00:00:00-08:00[America/Los_Angeles]").toInstant();
    clock.set(midnightPacific.minusSeconds(10));

    assertThat(delayOf(b.acquire(EP, NB2))).isEqualTo(Duration.ZERO);
    assertThat(delayOf(b.acquire(EP, NB2))).isEqualTo(Duration.ZERO);
    BudgetAnswer third = b.acquire(EP, NB2);
    assertThat(third).isInstanceOf(BudgetAnswer.Wait.class);
    assertThat(((BudgetAnswer.Wait) third).dailyQuota()).isTrue();
    assertThat(((BudgetAnswer.Wait) third).after()).isEqualTo(Duration.ofSeconds(10));

    clock.set(midnightPacific.minusMillis(1));
    assertThat(b.acquire(EP, NB2))
        .as("one millisecond before the reset")
        .isInstanceOf(BudgetAnswer.Wait.class);
    clock.set(midnightPacific);
    assertThat(delayOf(b.acquire(EP, NB2))).as("at the reset").isEqualTo(Duration.ZERO);
    // 08:00 UTC is midnight Pacific: the UTC date did not change, the quota did
    assertThat(midnightPacific).isEqualTo(Instant.parse("2026-12-03T08:00:00Z"));
  }

  @Test
  void aQuotaTheProviderSaysIsUsedUpParksEveryoneUntilTheReset() {
    JdbcClient db = TestDatabase.fresh();
    // no daily limit configured: the pipeline learns it from the provider
    Budgets worker1 = budgets(db, props(perMinute(600), Duration.ZERO));
    Budgets worker2 = budgets(db, props(perMinute(600), Duration.ZERO));
    clock.set(Instant.parse("2026-12-02T20:00:00Z")); // 12:00 Pacific

    Instant reset = usedUpHeard(worker1, Duration.ZERO);

    assertThat(reset).isEqualTo(Instant.parse("2026-12-03T08:00:00Z"));
    BudgetAnswer answer = worker2.acquire(EP, NB2);
    assertThat(answer).isInstanceOf(BudgetAnswer.Wait.class);
    assertThat(((BudgetAnswer.Wait) answer).dailyQuota()).isTrue();
    assertThat(((BudgetAnswer.Wait) answer).after()).isEqualTo(Duration.ofHours(12));
    clock.set(reset);
    assertThat(delayOf(worker2.acquire(EP, NB2))).isEqualTo(Duration.ZERO);
  }

  private static BudgetProperties reprobing(Duration every, Duration max) {
    return new BudgetProperties(
        null,
        Map.of(NB2, perMinute(600)),
        1.0,
        Duration.ZERO,
        Duration.ofSeconds(60),
        null,
        every,
        max);
  }

  private static boolean isProbe(BudgetAnswer answer) {
    return answer instanceof BudgetAnswer.Go go && go.probe();
  }

  private static boolean usedUp(BudgetAnswer answer) {
    return answer instanceof BudgetAnswer.Wait w && w.dailyQuota();
  }

  @Test
  void aUsedUpQuotaIsReprobedByOneCallAcrossWorkersAndItsSuccessMakesItUsableForAll()
      throws Exception {
    JdbcClient db = TestDatabase.fresh();
    BudgetProperties props = reprobing(Duration.ofMinutes(5), Duration.ofHours(1));
    List<Budgets> workers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      workers.add(budgets(db, props));
    }
    clock.set(Instant.parse("2026-12-02T20:00:00Z")); // 12:00 Pacific: 12 h to the reset
    usedUpHeard(workers.get(0), Duration.ofSeconds(2));

    clock.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(workers.get(1).acquire(EP, NB2))
        .as("before the pause is over")
        .matches(b -> usedUp(b));
    assertThat(workers.get(0).exhausted(EP, NB2)).isPresent();

    clock.advance(Duration.ofMillis(1));
    // every worker asks at once, many times: exactly one call goes
    AtomicInteger probes = new AtomicInteger();
    AtomicInteger others = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Callable<Void>> asks = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Budgets w = workers.get(t % workers.size());
      asks.add(
          () -> {
            for (int i = 0; i < 10; i++) {
              BudgetAnswer a = w.acquire(EP, NB2);
              if (isProbe(a)) {
                probes.incrementAndGet();
              } else if (!usedUp(a)) {
                others.incrementAndGet();
              }
            }
            return null;
          });
    }
    for (Future<Void> f : pool.invokeAll(asks)) {
      f.get();
    }
    pool.shutdown();
    assertThat(probes.get()).as("one re-probe for the whole fleet").isEqualTo(1);
    assertThat(others.get()).as("every other ask is told the quota is used up").isZero();

    // the probe succeeds (whichever worker made it): the quota is back for every worker
    clock.advance(Duration.ofSeconds(3));
    for (Budgets w : workers) {
      w.succeeded(EP, NB2, Duration.ofSeconds(2));
    }
    for (Budgets w : workers) {
      clock.advance(Duration.ofSeconds(1)); // one call a second at most: 600/min, no burst
      assertThat(w.exhausted(EP, NB2)).as("memory of a used-up quota is dropped").isEmpty();
      assertThat(w.acquire(EP, NB2))
          .as("a normal call goes")
          .matches(a -> a instanceof BudgetAnswer.Go go && !go.probe());
    }
  }

  @Test
  void aReplicaThatOnlyHeardTheQuotaUsedUpSeesAnotherReplicasGoodReprobeWithinHalfAMinute() {
    JdbcClient db = TestDatabase.fresh();
    BudgetProperties props = reprobing(Duration.ofMinutes(5), Duration.ofHours(1));
    Budgets heard = budgets(db, props);
    Budgets prober = budgets(db, props);
    clock.set(Instant.parse("2026-12-02T20:00:00Z"));
    usedUpHeard(heard, Duration.ofSeconds(2));

    clock.advance(Duration.ofMinutes(5));
    assertThat(prober.acquire(EP, NB2)).matches(a -> isProbe(a));
    assertThat(heard.exhausted(EP, NB2)).as("while the probe is out").isPresent();
    clock.advance(Duration.ofSeconds(3));
    prober.succeeded(EP, NB2, Duration.ofSeconds(2));

    // the next re-probe would be 5 min out, but the row is read again within 30 s
    clock.advance(Duration.ofSeconds(31));
    assertThat(heard.exhausted(EP, NB2)).as("the quota is back for this replica too").isEmpty();
  }

  @Test
  void aReprobeThatHearsTheQuotaStillUsedUpDoublesThePauseUpToTheMax() {
    JdbcClient db = TestDatabase.fresh();
    Budgets b = budgets(db, reprobing(Duration.ofMinutes(5), Duration.ofMinutes(12)));
    clock.set(Instant.parse("2026-12-02T20:00:00Z"));
    usedUpHeard(b, Duration.ofSeconds(1));
    // the other calls in flight when the quota ran out hear the same: the pause does not move
    clock.advance(Duration.ofSeconds(1));
    usedUpHeard(b, Duration.ofSeconds(3));
    usedUpHeard(b, Duration.ofSeconds(2));
    // nor does a call that went after it but was no re-probe (a slot booked before it ran out, a
    // call recorded as the first 429 was being heard)
    b.dailyQuotaExhausted(EP, NB2, clock.instant(), false);

    clock.advance(Duration.ofMinutes(5).minusSeconds(1));
    assertThat(b.acquire(EP, NB2)).matches(BudgetsTest::isProbe);
    clock.advance(Duration.ofSeconds(2));
    usedUpHeard(b, Duration.ofSeconds(1)); // the probe: still used up

    clock.advance(Duration.ofMinutes(10).minusMillis(1));
    assertThat(b.acquire(EP, NB2)).as("the pause doubled to 10 min").matches(BudgetsTest::usedUp);
    clock.advance(Duration.ofMillis(1));
    assertThat(b.acquire(EP, NB2)).matches(BudgetsTest::isProbe);
    usedUpHeard(b, Duration.ZERO);

    clock.advance(Duration.ofMinutes(12).minusMillis(1));
    assertThat(b.acquire(EP, NB2)).as("20 min capped at 12").matches(BudgetsTest::usedUp);
    clock.advance(Duration.ofMillis(1));
    assertThat(b.acquire(EP, NB2)).matches(BudgetsTest::isProbe);
    // a probe that gets no verdict (a 5xx, a dead worker): the next after another pause
    clock.advance(Duration.ofMinutes(12).minusMillis(1));
    assertThat(b.acquire(EP, NB2)).matches(BudgetsTest::usedUp);
    clock.advance(Duration.ofMillis(1));
    assertThat(b.acquire(EP, NB2)).matches(BudgetsTest::isProbe);
  }

  @Test
  void aSuccessOfACallSentBeforeTheQuotaRanOutDoesNotClearIt() {
    JdbcClient db = TestDatabase.fresh();
    Budgets b = budgets(db, reprobing(Duration.ofMinutes(5), Duration.ofHours(1)));
    clock.set(Instant.parse("2026-12-02T20:00:00Z"));
    usedUpHeard(b, Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(2));

    b.succeeded(EP, NB2, Duration.ofSeconds(5)); // went before the 429 was heard

    assertThat(b.exhausted(EP, NB2)).isPresent();
    assertThat(b.acquire(EP, NB2)).matches(BudgetsTest::usedUp);
  }

  @Test
  void withReprobeOffAUsedUpQuotaWaitsForTheReset() {
    JdbcClient db = TestDatabase.fresh();
    Budgets b = budgets(db, reprobing(Duration.ZERO, Duration.ofHours(1)));
    clock.set(Instant.parse("2026-12-02T20:00:00Z"));
    Instant reset = usedUpHeard(b, Duration.ZERO);

    clock.set(reset.minusMillis(1));
    assertThat(b.acquire(EP, NB2)).matches(BudgetsTest::usedUp);
    assertThat(b.exhausted(EP, NB2)).isPresent();
    clock.set(reset);
    assertThat(b.acquire(EP, NB2)).isInstanceOf(BudgetAnswer.Go.class);
  }

  private static final String PRO = "gemini-3-pro-image";

  /** QUEUED items of one batch, each routed to a model and due at a time. */
  private static List<UUID> queued(JdbcClient db, List<String> models, List<Instant> due) {
    UUID batch = UUID.randomUUID();
    db.sql(
            """
            INSERT INTO batches (batch_id, tenant_id, name, tier, lane, spec, product_count,
                                 item_count, state)
            VALUES (:b, '00000000-0000-0000-0000-000000000001', 'b', 'fast', 'realtime',
                    CAST('{"variants": [{"name": "hero", "aspectRatio": "1:1", "size": "1K"}],
                           "altTextLocales": ["en"], "promptTemplate": "{{title}}"}' AS jsonb),
                    :n, :n, 'ACCEPTED')
            """)
        .param("b", batch)
        .param("n", models.size())
        .update();
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < models.size(); i++) {
      db.sql(
              """
              INSERT INTO products (batch_id, product_no, tenant_id, sku, data)
              VALUES (:b, :i, '00000000-0000-0000-0000-000000000001', 'SKU-' || :i,
                      CAST('{"title": "Mug", "prompt": "A mug", "attributes": {}}' AS jsonb))
              """)
          .param("b", batch)
          .param("i", i)
          .update();
      UUID item = UUID.randomUUID();
      db.sql(
              """
              INSERT INTO items (item_id, tenant_id, batch_id, product_no, item_no, sku, variant,
                                 state, lane, not_before, next_model)
              VALUES (:id, '00000000-0000-0000-0000-000000000001', :b, :i, :i, 'SKU-' || :i,
                      'hero', 'QUEUED', 'realtime', :due, :model)
              """)
          .param("id", item)
          .param("b", batch)
          .param("i", i)
          .param("due", Timestamp.from(due.get(i)))
          .param("model", models.get(i))
          .update();
      ids.add(item);
    }
    return ids;
  }

  /** The items due by the clock's now. */
  private List<UUID> dueNow(JdbcClient db, List<UUID> items) {
    return db.sql("SELECT item_id FROM items WHERE item_id = ANY(:ids) AND not_before <= :now")
        .param("ids", items.toArray(UUID[]::new))
        .param("now", Timestamp.from(clock.instant()))
        .query(UUID.class)
        .list();
  }

  @Test
  void aGoodReprobeMakesTheItemsParkedUntilTheResetDueAtOnce() {
    JdbcClient db = TestDatabase.fresh();
    Budgets prober = budgets(db, reprobing(Duration.ofMinutes(5), Duration.ofHours(1)));
    clock.set(Instant.parse("2026-12-02T20:00:00Z")); // 12:00 Pacific
    Instant reset = usedUpHeard(prober, Duration.ofSeconds(1));
    // three parked until the reset (one handed back by the gate, due a moment after it), one
    // waiting out a backoff on NB2, one parked on another model's quota
    List<UUID> parked =
        queued(db, List.of(NB2, NB2, NB2), List.of(reset, reset, reset.plusMillis(40)));
    List<UUID> others =
        queued(db, List.of(NB2, PRO), List.of(clock.instant().plusSeconds(400), reset));

    clock.advance(Duration.ofMinutes(5));
    assertThat(prober.acquire(EP, NB2)).matches(BudgetsTest::isProbe);
    clock.advance(Duration.ofSeconds(3));
    assertThat(dueNow(db, parked)).as("nothing woken while the probe is out").isEmpty();
    prober.succeeded(EP, NB2, Duration.ofSeconds(2));

    assertThat(dueNow(db, parked)).as("parked until the reset, due now").hasSize(3);
    assertThat(dueNow(db, others)).as("other waits are left as they were").isEmpty();
  }

  @Test
  void withOnlyParkedItemsOneOfThemIsWokenToMakeTheReprobeForTheWholeFleet() {
    JdbcClient db = TestDatabase.fresh();
    BudgetProperties props = reprobing(Duration.ofMinutes(5), Duration.ofHours(1));
    Budgets worker1 = budgets(db, props);
    Budgets worker2 = budgets(db, props);
    clock.set(Instant.parse("2026-12-02T20:00:00Z"));
    Instant reset = usedUpHeard(worker1, Duration.ofSeconds(1));
    List<UUID> parked =
        queued(db, List.of(NB2, NB2, NB2, NB2), List.of(reset, reset, reset, reset));

    clock.advance(Duration.ofMinutes(5));
    assertThat(worker1.wakeParkedForReprobes() + worker2.wakeParkedForReprobes())
        .as("a call that asks for the model may still take the re-probe")
        .isZero();
    clock.advance(Duration.ofMillis(Budgets.REPROBE_UNMADE_AFTER_MS));
    assertThat(worker1.wakeParkedForReprobes() + worker2.wakeParkedForReprobes())
        .as("one parked item woken, by one worker")
        .isEqualTo(1);
    assertThat(dueNow(db, parked)).hasSize(1);
    clock.advance(Duration.ofSeconds(5));
    assertThat(worker1.wakeParkedForReprobes() + worker2.wakeParkedForReprobes()).isZero();

    // the woken item is claimed and asks: it is the re-probe, and hears the quota still used up
    assertThat(worker2.acquire(EP, NB2)).matches(BudgetsTest::isProbe);
    assertThat(worker1.acquire(EP, NB2)).matches(BudgetsTest::usedUp);
    clock.advance(Duration.ofSeconds(2));
    usedUpHeard(worker2, Duration.ofSeconds(1));
    clock.advance(Duration.ofMinutes(5));
    assertThat(worker1.wakeParkedForReprobes() + worker2.wakeParkedForReprobes())
        .as("the pause doubled: no new re-probe yet")
        .isZero();
    clock.advance(Duration.ofMinutes(5).plusMillis(Budgets.REPROBE_UNMADE_AFTER_MS));
    assertThat(worker1.wakeParkedForReprobes() + worker2.wakeParkedForReprobes()).isEqualTo(1);

    // a woken item that never makes the call (its worker died): another after a minute
    clock.advance(Duration.ofSeconds(59));
    assertThat(worker1.wakeParkedForReprobes()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(worker1.wakeParkedForReprobes()).isEqualTo(1);

    // that one makes it and the quota is back: every parked item is due
    assertThat(worker1.acquire(EP, NB2)).matches(BudgetsTest::isProbe);
    clock.advance(Duration.ofSeconds(3));
    worker1.succeeded(EP, NB2, Duration.ofSeconds(2));
    assertThat(dueNow(db, parked)).hasSize(4);
    assertThat(worker2.acquire(EP, NB2))
        .as("the worker that heard the quota used up calls again at once")
        .matches(a -> a instanceof BudgetAnswer.Go go && !go.probe());
    assertThat(worker2.exhausted(EP, NB2)).isEmpty();
  }

  @Test
  void insidePeakWindowsThePeakRateApplies() {
    ModelBudget peaky = new ModelBudget(60, 30, null, null, null, null);
    Budgets b =
        budgets(TestDatabase.fresh(), props(peaky, Duration.ZERO), PeakCalendar.utc("10:00-14:00"));
    clock.set(Instant.parse("2026-12-02T11:00:00Z"));

    b.acquire(EP, NB2);
    BudgetAnswer inPeak = b.acquire(EP, NB2);

    assertThat(((BudgetAnswer.Wait) inPeak).after()).isEqualTo(Duration.ofSeconds(2));
    clock.set(Instant.parse("2026-12-02T15:00:00Z"));
    b.acquire(EP, NB2);
    assertThat(((BudgetAnswer.Wait) b.acquire(EP, NB2)).after()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void twoBudgetInstancesOnOneDatabaseNeverExceedTheLimitTogether() throws Exception {
    JdbcClient db = TestDatabase.fresh();
    ModelBudget limit = new ModelBudget(120, null, null, null, null, 5);
    Budgets replica1 = budgets(db, props(limit, Duration.ZERO));
    Budgets replica2 = budgets(db, props(limit, Duration.ZERO));

    for (int round = 0; round < 5; round++) {
      AtomicInteger granted = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Budgets replica = t % 2 == 0 ? replica1 : replica2;
        tasks.add(
            () -> {
              for (int i = 0; i < 25; i++) {
                if (replica.acquire(EP, NB2) instanceof BudgetAnswer.Go) {
                  granted.incrementAndGet();
                }
              }
              return null;
            });
      }
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get();
      }
      pool.shutdown();
      // 200 asks at one instant: the burst of 5, not one more, whoever asked
      assertThat(granted.get()).as("round " + round).isEqualTo(5);
      clock.advance(Duration.ofMinutes(1));
    }
  }

  private int grantsNow(Budgets b, int asks) {
    int granted = 0;
    for (int i = 0; i < asks; i++) {
      if (b.acquire(EP, NB2) instanceof BudgetAnswer.Go) {
        granted++;
      }
    }
    return granted;
  }

  /** How long until a granted call goes; null when the answer is "wait". */
  private static Duration delayOf(BudgetAnswer answer) {
    return answer instanceof BudgetAnswer.Go go ? go.delay() : null;
  }

  private static double learnt(JdbcClient db) {
    return db.sql("SELECT learnt_rpm FROM budget_state WHERE budget_key = :k")
        .param("k", EP + "/" + NB2)
        .query(Double.class)
        .single();
  }

  /**
   * Replicas asking for slots as their gates do (horizon 0: a call goes when its answer is "go
   * now", else the replica asks again after the wait), each call decided by the provider at once,
   * the clock moved from one event to the next.
   */
  private void drive(List<Budgets> replicas, SlidingWindowProvider provider, Duration span) {
    drive(replicas, provider, span, 0);
  }

  /** As above; every {@code unusedEvery}-th slot due now is given back uncalled (0 = none). */
  private void drive(
      List<Budgets> replicas, SlidingWindowProvider provider, Duration span, int unusedEvery) {
    int due = 0;
    Instant end = clock.instant().plus(span);
    Instant[] next = new Instant[replicas.size()];
    java.util.Arrays.fill(next, clock.instant());
    while (true) {
      int r = 0;
      for (int i = 1; i < next.length; i++) {
        if (next[i].isBefore(next[r])) {
          r = i;
        }
      }
      if (!next[r].isBefore(end)) {
        clock.set(end);
        return;
      }
      clock.set(next[r]);
      Budgets replica = replicas.get(r);
      BudgetAnswer answer = replica.acquire(EP, NB2);
      if (answer instanceof BudgetAnswer.Go go
          && go.delay().isZero()
          && unusedEvery > 0
          && ++due % unusedEvery == 0) {
        replica.unused(EP, NB2, go);
      } else if (answer instanceof BudgetAnswer.Go go && go.delay().isZero()) {
        Duration retry = provider.call(clock.instant());
        if (retry != null) {
          replica.rateLimited(EP, NB2, retry);
        }
      } else if (answer instanceof BudgetAnswer.Go go) {
        next[r] = clock.instant().plus(go.delay());
      } else {
        next[r] = clock.instant().plus(((BudgetAnswer.Wait) answer).after());
      }
    }
  }
}
