package io.catalogimage.worker.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.budget.ModelBudget;
import io.catalogimage.common.calendar.PeakCalendar;
import io.catalogimage.worker.testing.MovableClock;
import io.catalogimage.worker.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    return new BudgetProperties(null, Map.of(NB2, nb2), 1.0, horizon, Duration.ofSeconds(60), null);
  }

  private static ModelBudget perMinute(int rpm) {
    return new ModelBudget(rpm, null, null, null, null, null);
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

    assertThat(b.acquire(EP, NB2)).isEqualTo(BudgetAnswer.Go.NOW);
    BudgetAnswer second = b.acquire(EP, NB2);
    assertThat(second).isInstanceOf(BudgetAnswer.Wait.class);
    assertThat(((BudgetAnswer.Wait) second).after()).isEqualTo(Duration.ofSeconds(1));
    assertThat(((BudgetAnswer.Wait) second).dailyQuota()).isFalse();

    clock.advance(Duration.ofMillis(999));
    assertThat(b.acquire(EP, NB2)).isInstanceOf(BudgetAnswer.Wait.class);
    clock.advance(Duration.ofMillis(1));
    assertThat(b.acquire(EP, NB2)).isEqualTo(BudgetAnswer.Go.NOW);
  }

  @Test
  void slotsAreBookedAheadUpToTheHorizonThenTheAnswerIsWait() {
    Budgets b = budgets(TestDatabase.fresh(), props(perMinute(60), Duration.ofSeconds(3)));

    List<BudgetAnswer> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      answers.add(b.acquire(EP, NB2));
    }

    assertThat(answers.subList(0, 4))
        .containsExactly(
            BudgetAnswer.Go.NOW,
            new BudgetAnswer.Go(Duration.ofSeconds(1)),
            new BudgetAnswer.Go(Duration.ofSeconds(2)),
            new BudgetAnswer.Go(Duration.ofSeconds(3)));
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
  void aRunOf429sHalvesTheRateAndSuccessesWinItBackStepByStep() {
    JdbcClient db = TestDatabase.fresh();
    Budgets b = budgets(db, props(perMinute(60), Duration.ZERO));
    b.acquire(EP, NB2);

    b.rateLimited(EP, NB2, null);
    b.rateLimited(EP, NB2, null);
    assertThat(factor(db)).as("two 429s are not yet a run").isEqualTo(1.0);
    b.rateLimited(EP, NB2, null);
    assertThat(factor(db)).isEqualTo(0.5);
    // more 429s from calls that were already in flight are the same event: no second halving
    b.rateLimited(EP, NB2, null);
    assertThat(factor(db)).isEqualTo(0.5);
    clock.advance(Duration.ofSeconds(1));
    assertThat(b.acquire(EP, NB2)).isEqualTo(BudgetAnswer.Go.NOW);
    assertThat(b.acquire(EP, NB2))
        .as("at half the rate the spacing is 2 s")
        .isEqualTo(new BudgetAnswer.Wait(Duration.ofSeconds(2), waitReason(b), false));

    for (int i = 0; i < 20; i++) {
      b.succeeded(EP, NB2);
    }
    clock.advance(Duration.ofSeconds(2));
    b.acquire(EP, NB2); // the successes travel with the next ask
    assertThat(factor(db)).isCloseTo(0.55, org.assertj.core.data.Offset.offset(1e-9));

    clock.advance(Duration.ofSeconds(6)); // past the cooldown, a new run of 429s: halved again
    b.rateLimited(EP, NB2, null);
    assertThat(factor(db)).as("the successes diluted the earlier 429s").isEqualTo(0.55);
    b.rateLimited(EP, NB2, null);
    assertThat(factor(db)).isCloseTo(0.275, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void stray429sAmongManySuccessesDoNotLowerTheRate() {
    JdbcClient db = TestDatabase.fresh();
    Budgets b = budgets(db, props(perMinute(6000), Duration.ZERO));

    // one call in 25 answered 429, as an overloaded provider does at peak
    for (int round = 0; round < 20; round++) {
      for (int i = 0; i < 24; i++) {
        b.succeeded(EP, NB2);
      }
      clock.advance(Duration.ofSeconds(6));
      b.acquire(EP, NB2);
      b.rateLimited(EP, NB2, null);
    }

    assertThat(factor(db)).isEqualTo(1.0);
  }

  @Test
  void theProvidersRetryDelayHoldsBackEveryCaller() {
    JdbcClient db = TestDatabase.fresh();
    Budgets first = budgets(db, props(perMinute(600), Duration.ZERO));
    Budgets second = budgets(db, props(perMinute(600), Duration.ZERO));

    first.rateLimited(EP, NB2, Duration.ofSeconds(20));

    BudgetAnswer answer = second.acquire(EP, NB2);
    assertThat(answer).isInstanceOf(BudgetAnswer.Wait.class);
    assertThat(((BudgetAnswer.Wait) answer).after()).isEqualTo(Duration.ofSeconds(20));
    clock.advance(Duration.ofSeconds(20));
    assertThat(second.acquire(EP, NB2)).isEqualTo(BudgetAnswer.Go.NOW);
  }

  @Test
  void theDailyQuotaResetsAtMidnightPacificNotBefore() {
    ModelBudget daily = new ModelBudget(null, null, 2, null, null, null);
    Budgets b = budgets(TestDatabase.fresh(), props(daily, Duration.ZERO));
    Instant midnightPacific =
        ZonedDateTime.parse("2026-12-03T00:00:00-08:00[America/Los_Angeles]").toInstant();
    clock.set(midnightPacific.minusSeconds(10));

    assertThat(b.acquire(EP, NB2)).isEqualTo(BudgetAnswer.Go.NOW);
    assertThat(b.acquire(EP, NB2)).isEqualTo(BudgetAnswer.Go.NOW);
    BudgetAnswer third = b.acquire(EP, NB2);
    assertThat(third).isInstanceOf(BudgetAnswer.Wait.class);
    assertThat(((BudgetAnswer.Wait) third).dailyQuota()).isTrue();
    assertThat(((BudgetAnswer.Wait) third).after()).isEqualTo(Duration.ofSeconds(10));

    clock.set(midnightPacific.minusMillis(1));
    assertThat(b.acquire(EP, NB2))
        .as("one millisecond before the reset")
        .isInstanceOf(BudgetAnswer.Wait.class);
    clock.set(midnightPacific);
    assertThat(b.acquire(EP, NB2)).as("at the reset").isEqualTo(BudgetAnswer.Go.NOW);
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

    Instant reset = worker1.dailyQuotaExhausted(EP, NB2);

    assertThat(reset).isEqualTo(Instant.parse("2026-12-03T08:00:00Z"));
    BudgetAnswer answer = worker2.acquire(EP, NB2);
    assertThat(answer).isInstanceOf(BudgetAnswer.Wait.class);
    assertThat(((BudgetAnswer.Wait) answer).dailyQuota()).isTrue();
    assertThat(((BudgetAnswer.Wait) answer).after()).isEqualTo(Duration.ofHours(12));
    clock.set(reset);
    assertThat(worker2.acquire(EP, NB2)).isEqualTo(BudgetAnswer.Go.NOW);
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

  private static double factor(JdbcClient db) {
    return db.sql("SELECT rate_factor FROM budget_state WHERE budget_key = :k")
        .param("k", EP + "/" + NB2)
        .query(Double.class)
        .single();
  }

  private static String waitReason(Budgets b) {
    return "budget of " + NB2 + " is booked 2s ahead";
  }
}
