package io.catalogimage.worker.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.calendar.PeakCalendar;
import io.catalogimage.common.catalog.CatalogProperties;
import io.catalogimage.common.catalog.Tiers;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.worker.budget.Budgets;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.provider.CallInfo;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.testing.MovableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The routing table: for each error class, what happens next and why. */
class RoutingPolicyTest {

  private static final String NB2 = "gemini-3.1-flash-image";
  private static final String PRO = "gemini-3-pro-image";
  private static final Instant NOW = Instant.parse("2026-12-02T09:00:00Z");
  private static final CallInfo INFO = CallInfo.noAnswer(Duration.ofSeconds(1));

  private final MovableClock clock = new MovableClock(NOW);
  private final Budgets budgets = mock(Budgets.class);
  private final ModelHealth health = mock(ModelHealth.class);

  {
    when(health.usable(org.mockito.ArgumentMatchers.anyString())).thenReturn(true);
  }

  private final Tiers tiers =
      new Tiers(new CatalogProperties(null, null, null), ModelCatalog.defaults());

  private RoutingPolicy policy(RoutingProperties props, PeakCalendar peak) {
    return new RoutingPolicy(
        tiers, new RetryProperties(3, null, null), props, peak, budgets, health, clock);
  }

  private RoutingPolicy policy() {
    return policy(RoutingProperties.defaults(), PeakCalendar.never());
  }

  private static ClaimedItem item(
      String lane, Instant deadline, BigDecimal cap, boolean allowSafetyReroute) {
    return new ClaimedItem(
        new ItemId(UUID.randomUUID()),
        TenantId.DEFAULT,
        new BatchId(UUID.randomUUID()),
        "SKU-1",
        new VariantSpec("listing", "1:1", "1K"),
        "fast",
        List.of("en"),
        null,
        "a mug",
        0,
        null,
        null,
        lane,
        deadline,
        cap,
        allowSafetyReroute,
        null,
        0,
        1,
        null,
        Map.of(),
        Map.of());
  }

  private static ClaimedItem plain() {
    return item("bulk", null, null, false);
  }

  /** The plain item with these failures already made in its run. */
  private static ClaimedItem failedBefore(Map<String, Integer> failures) {
    ClaimedItem p = plain();
    return new ClaimedItem(
        p.id(),
        p.tenant(),
        p.batch(),
        p.sku(),
        p.variant(),
        p.tier(),
        p.altTextLocales(),
        p.styleGuide(),
        p.prompt(),
        failures.values().stream().mapToInt(Integer::intValue).sum(),
        null,
        null,
        "bulk",
        null,
        null,
        false,
        null,
        0,
        1,
        null,
        failures,
        Map.of());
  }

  private static RoutingPolicy fiveAttempts(RoutingPolicy ignored, RoutingPolicyTest t) {
    return new RoutingPolicy(
        t.tiers,
        new RetryProperties(5, null, null),
        RoutingProperties.defaults(),
        PeakCalendar.never(),
        t.budgets,
        t.health,
        t.clock);
  }

  private static ProviderOutcome.RateLimited rateLimited(Duration retryAfter) {
    return new ProviderOutcome.RateLimited(retryAfter, "429", INFO);
  }

  @Test
  void theFastTierStartsOnNanoBanana2AndTheQualityTierOnPro() {
    assertThat(policy().modelFor(plain())).isEqualTo(NB2);
    ClaimedItem quality =
        new ClaimedItem(
            plain().id(),
            TenantId.DEFAULT,
            plain().batch(),
            "S",
            plain().variant(),
            "quality",
            List.of(),
            null,
            "p",
            0,
            null,
            null,
            "bulk",
            null,
            null,
            false,
            null,
            0,
            1,
            null,
            Map.of(),
            Map.of());
    assertThat(policy().modelFor(quality)).isEqualTo(PRO);
  }

  @Test
  void aShortRateLimitWaitsTheProvidersDelayOnTheSameModel() {
    Decision d = policy().decide(plain(), NB2, 1, rateLimited(Duration.ofSeconds(20)));

    assertThat(d).isInstanceOf(Decision.RetryAt.class);
    Decision.RetryAt r = (Decision.RetryAt) d;
    assertThat(r.model()).isEqualTo(NB2);
    assertThat(r.at()).isEqualTo(NOW.plusSeconds(20));
    assertThat(r.reason()).contains("waiting 20s");
  }

  @Test
  void aLongRateLimitMovesToTheNextModelAtOnce() {
    Decision.RetryAt r =
        (Decision.RetryAt) policy().decide(plain(), NB2, 1, rateLimited(Duration.ofMinutes(5)));

    assertThat(r.model()).isEqualTo(PRO);
    assertThat(r.at()).isEqualTo(NOW);
    assertThat(r.reason()).contains("costs more than switching");
  }

  @Test
  void aCostCapKeepsALongWaitOnTheCheaperModel() {
    ClaimedItem capped = item("bulk", null, new BigDecimal("100"), false);

    Decision.RetryAt r =
        (Decision.RetryAt) policy().decide(capped, NB2, 1, rateLimited(Duration.ofMinutes(5)));

    assertThat(r.model()).isEqualTo(NB2);
    assertThat(r.at()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
    assertThat(r.reason()).contains("cost cap");
  }

  @Test
  void aDeadlineTheWaitWouldMissMovesToTheNextModelEvenUnderACap() {
    ClaimedItem urgent = item("bulk", NOW.plusSeconds(10), new BigDecimal("100"), false);

    Decision.RetryAt r =
        (Decision.RetryAt) policy().decide(urgent, NB2, 1, rateLimited(Duration.ofSeconds(20)));

    assertThat(r.model()).isEqualTo(PRO);
    assertThat(r.reason()).contains("deadline");
  }

  @Test
  void aTimeoutBacksOffOnTheSameModelWhenNothingPressesIt() {
    Decision.RetryAt r =
        (Decision.RetryAt)
            policy().decide(plain(), NB2, 1, new ProviderOutcome.TimedOut("no answer", INFO));

    assertThat(r.model()).isEqualTo(NB2);
    assertThat(r.at()).isAfter(NOW);
  }

  @Test
  void aServerErrorRetriesWithJitteredBackoffOnTheSameModel() {
    Decision.RetryAt r =
        (Decision.RetryAt)
            policy().decide(plain(), NB2, 2, new ProviderOutcome.ServerError("503", INFO));

    assertThat(r.model()).isEqualTo(NB2);
    // attempt 2 with a 2 s base: uniform in [1 s, 4 s]
    assertThat(r.at()).isBetween(NOW.plusSeconds(1), NOW.plusSeconds(4));
    assertThat(r.reason()).contains("backoff");
  }

  @Test
  void usedUpAttemptsEndFailedWithTheLastError() {
    Decision d = policy().decide(plain(), NB2, 3, new ProviderOutcome.ServerError("boom", INFO));

    assertThat(d).isInstanceOf(Decision.GiveUp.class);
    assertThat(((Decision.GiveUp) d).state()).isEqualTo(ItemState.FAILED);
    assertThat(((Decision.GiveUp) d).reason())
        .contains("gave up after 3 attempts")
        .contains("boom");
  }

  @Test
  void aSafetyBlockIsNeverRetriedOnTheSameModelAndEndsBlockedByDefault() {
    Decision d =
        policy()
            .decide(
                plain(),
                NB2,
                1,
                new ProviderOutcome.Blocked("IMAGE_SAFETY", "Unable to show", INFO));

    assertThat(d).isInstanceOf(Decision.GiveUp.class);
    assertThat(((Decision.GiveUp) d).state()).isEqualTo(ItemState.BLOCKED);
    assertThat(((Decision.GiveUp) d).reason()).isEqualTo("Unable to show");
  }

  @Test
  void aSafetyBlockGoesToTheNextModelWhereTheBatchAllowsIt() {
    ClaimedItem allowing = item("bulk", null, null, true);
    ProviderOutcome blocked = new ProviderOutcome.Blocked("IMAGE_SAFETY", "Unable to show", INFO);

    Decision.RetryAt r = (Decision.RetryAt) policy().decide(allowing, NB2, 1, blocked);
    assertThat(r.model()).isEqualTo(PRO);
    assertThat(r.reason()).contains("allows safety reroutes");

    // blocked on the last model of the chain too: BLOCKED, not back to the first
    Decision last = policy().decide(allowing, PRO, 2, blocked);
    assertThat(((Decision.GiveUp) last).state()).isEqualTo(ItemState.BLOCKED);
  }

  @Test
  void aUsedUpDailyQuotaReroutesByDefault() {
    when(budgets.nextReset(NB2)).thenReturn(NOW.plus(Duration.ofHours(12)));
    Decision.RetryAt r =
        (Decision.RetryAt)
            policy()
                .decide(
                    plain(), NB2, 1, new ProviderOutcome.QuotaExhausted(false, "per day", INFO));

    assertThat(r.model()).isEqualTo(PRO);
    assertThat(r.at()).isEqualTo(NOW);
  }

  @Test
  void aResetCloserThanSwitchAfterIsWaitedForEvenWhenReroutingIsOn() {
    when(budgets.nextReset(NB2)).thenReturn(NOW.plusSeconds(30));

    Decision.RetryAt r =
        (Decision.RetryAt)
            policy()
                .decide(
                    plain(), NB2, 1, new ProviderOutcome.QuotaExhausted(false, "per day", INFO));

    assertThat(r.model()).isEqualTo(NB2);
    assertThat(r.at()).isEqualTo(NOW.plusSeconds(30));
  }

  @Test
  void aUsedUpDailyQuotaParksTheItemUntilTheResetWhenReroutingIsOff() {
    Instant reset = Instant.parse("2026-12-03T08:00:00Z");
    when(budgets.nextReset(NB2)).thenReturn(reset);
    RoutingProperties parkOnQuota =
        new RoutingProperties(null, false, null, null, null, null, null, null);

    Decision.RetryAt r =
        (Decision.RetryAt)
            policy(parkOnQuota, PeakCalendar.never())
                .decide(
                    plain(), NB2, 1, new ProviderOutcome.QuotaExhausted(false, "per day", INFO));

    assertThat(r.model()).isEqualTo(NB2);
    assertThat(r.at()).isEqualTo(reset);
    assertThat(r.reason()).contains("parked until its reset");
  }

  @Test
  void limitZeroIsNoEntitlementAndNeverWaitsForAReset() {
    when(budgets.nextReset(PRO)).thenReturn(NOW.plusSeconds(30));
    RoutingProperties parkOnQuota =
        new RoutingProperties(null, false, null, null, null, null, null, null);

    Decision onPro =
        policy(parkOnQuota, PeakCalendar.never())
            .decide(plain(), PRO, 1, new ProviderOutcome.QuotaExhausted(true, "limit: 0", INFO));

    assertThat(((Decision.GiveUp) onPro).state()).isEqualTo(ItemState.FAILED);
  }

  @Test
  void aDowngradeIsAcceptedAndRecordedOrRetriedByPolicy() {
    ProviderOutcome downgraded =
        new ProviderOutcome.Generated(
            new byte[0], "image/png", new Dimensions(1024, 1024), "", INFO, "asked 2K, got 1K");

    Decision accepted = policy().decide(plain(), NB2, 1, downgraded);
    assertThat(accepted.describe()).contains("downgrade recorded: asked 2K, got 1K");

    RoutingProperties strict =
        new RoutingProperties(null, null, false, null, null, null, null, null);
    Decision retried = policy(strict, PeakCalendar.never()).decide(plain(), NB2, 1, downgraded);
    assertThat(((Decision.RetryAt) retried).model()).isEqualTo(NB2);
    assertThat(retried.describe()).contains("downgrade not accepted");
  }

  @Test
  void interactiveWorkInsidePeakFollowsThePeakChain() {
    RoutingProperties proFirst =
        new RoutingProperties(
            null, null, null, Map.of("fast", List.of(PRO, NB2)), null, null, null, null);
    RoutingPolicy policy = policy(proFirst, PeakCalendar.utc("10:00-14:00"));
    ClaimedItem interactive = item("interactive", null, null, false);

    assertThat(policy.modelFor(interactive)).as("09:00, outside peak").isEqualTo(NB2);
    clock.set(Instant.parse("2026-12-02T11:00:00Z"));
    assertThat(policy.modelFor(interactive)).as("11:00, in peak").isEqualTo(PRO);
    assertThat(policy.modelFor(plain())).as("bulk work keeps its chain").isEqualTo(NB2);
  }

  @Test
  void aLongBudgetWaitForTheDailyQuotaReroutesAndOtherwiseWaits() {
    Decision.RetryAt quota =
        (Decision.RetryAt)
            policy().budgetWait(plain(), NB2, Duration.ofHours(5), true, "daily quota used up");
    assertThat(quota.model()).isEqualTo(PRO);

    Decision.RetryAt busy =
        (Decision.RetryAt)
            policy().budgetWait(plain(), NB2, Duration.ofMinutes(2), false, "budget booked");
    assertThat(busy.model()).isEqualTo(NB2);
    assertThat(busy.at()).isEqualTo(NOW.plus(Duration.ofMinutes(2)));
  }

  @Test
  void aModelThatKeepsFailingIsLeftAfterTriesPerModelWhateverItsBreakerSays() {
    for (ProviderOutcome failure :
        List.of(
            new ProviderOutcome.ServerError("503 overloaded", INFO),
            new ProviderOutcome.TimedOut("no answer within 12s", INFO),
            new ProviderOutcome.ConnectionLost("reset", INFO),
            rateLimited(null))) {
      Decision.RetryAt r =
          (Decision.RetryAt)
              fiveAttempts(null, this).decide(failedBefore(Map.of(NB2, 1)), NB2, 2, failure);

      assertThat(r.model()).as(failure.kind()).isEqualTo(PRO);
      assertThat(r.at()).as(failure.kind()).isEqualTo(NOW);
      assertThat(r.reason()).contains(NB2 + " failed 2 times");
    }
  }

  @Test
  void theFirstFailureOnAModelIsRetriedThere() {
    Decision.RetryAt r =
        (Decision.RetryAt)
            fiveAttempts(null, this)
                .decide(plain(), NB2, 1, new ProviderOutcome.ServerError("503", INFO));

    assertThat(r.model()).isEqualTo(NB2);
  }

  @Test
  void whenEveryModelOfTheChainIsWornOutTheItemBacksOffWhereItIsUntilItsAttemptsEnd() {
    Decision.RetryAt r =
        (Decision.RetryAt)
            fiveAttempts(null, this)
                .decide(
                    failedBefore(Map.of(NB2, 2, PRO, 1)),
                    PRO,
                    4,
                    new ProviderOutcome.ServerError("503", INFO));

    assertThat(r.model()).isEqualTo(PRO);
    assertThat(r.at()).isAfter(NOW);
    Decision last =
        fiveAttempts(null, this)
            .decide(
                failedBefore(Map.of(NB2, 2, PRO, 2)),
                PRO,
                5,
                new ProviderOutcome.ServerError("503", INFO));
    assertThat(last).isInstanceOf(Decision.GiveUp.class);
  }

  @Test
  void aModelThatCannotTakeCallsIsNoAlternative() {
    when(health.usable(PRO)).thenReturn(false);

    Decision.RetryAt worn =
        (Decision.RetryAt)
            fiveAttempts(null, this)
                .decide(
                    failedBefore(Map.of(NB2, 1)),
                    NB2,
                    2,
                    new ProviderOutcome.ServerError("x", INFO));
    Decision.RetryAt throttled =
        (Decision.RetryAt) policy().decide(plain(), NB2, 1, rateLimited(Duration.ofMinutes(5)));

    assertThat(worn.model()).isEqualTo(NB2);
    assertThat(throttled.model()).isEqualTo(NB2);
    assertThat(throttled.at()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
  }

  @Test
  void aPricierNextModelIsWorthALongerWait() {
    // Pro costs twice NB2 at 1K: a wait up to twice switch-after (60s) is worth making
    Decision.RetryAt ninety =
        (Decision.RetryAt) policy().decide(plain(), NB2, 1, rateLimited(Duration.ofSeconds(90)));
    Decision.RetryAt threeMinutes =
        (Decision.RetryAt) policy().decide(plain(), NB2, 1, rateLimited(Duration.ofMinutes(3)));

    assertThat(ninety.model()).isEqualTo(NB2);
    assertThat(ninety.at()).isEqualTo(NOW.plusSeconds(90));
    assertThat(threeMinutes.model()).isEqualTo(PRO);
    assertThat(threeMinutes.reason()).contains("worth at most 120");
  }

  @Test
  void aCheaperNextModelIsWorthNoMoreThanSwitchAfter() {
    ClaimedItem quality = failedBefore(Map.of());
    quality =
        new ClaimedItem(
            quality.id(),
            quality.tenant(),
            quality.batch(),
            quality.sku(),
            quality.variant(),
            "quality",
            quality.altTextLocales(),
            null,
            quality.prompt(),
            0,
            null,
            null,
            "bulk",
            null,
            null,
            false,
            null,
            0,
            1,
            null,
            Map.of(),
            Map.of());

    Decision.RetryAt r =
        (Decision.RetryAt) policy().decide(quality, PRO, 1, rateLimited(Duration.ofSeconds(90)));

    assertThat(r.model()).isEqualTo(NB2);
    assertThat(r.at()).isEqualTo(NOW);
  }

  @Test
  void dense429sWithADelayAddUpUntilWaitingCostsMoreThanSwitching() {
    ClaimedItem waitedTwice =
        new ClaimedItem(
            plain().id(),
            plain().tenant(),
            plain().batch(),
            "S",
            plain().variant(),
            "fast",
            List.of(),
            null,
            "p",
            2,
            null,
            null,
            "bulk",
            null,
            null,
            false,
            null,
            0,
            1,
            null,
            Map.of(),
            Map.of(NB2, 2));

    Decision.RetryAt first =
        (Decision.RetryAt) policy().decide(plain(), NB2, 1, rateLimited(Duration.ofSeconds(50)));
    Decision.RetryAt third =
        (Decision.RetryAt)
            fiveAttempts(null, this)
                .decide(waitedTwice, NB2, 3, rateLimited(Duration.ofSeconds(50)));

    assertThat(first.model()).isEqualTo(NB2);
    assertThat(third.model()).isEqualTo(PRO);
    assertThat(third.reason()).contains("150s in all");
  }

  @Test
  void a429WithADelayIsNotAFailureOfTheModel() {
    Decision.RetryAt r =
        (Decision.RetryAt)
            fiveAttempts(null, this)
                .decide(failedBefore(Map.of(NB2, 1)), NB2, 2, rateLimited(Duration.ofSeconds(1)));

    assertThat(r.model()).isEqualTo(NB2);
  }
}
