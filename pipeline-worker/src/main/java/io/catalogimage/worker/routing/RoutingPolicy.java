package io.catalogimage.worker.routing;

import io.catalogimage.common.calendar.PeakCalendar;
import io.catalogimage.common.catalog.Tiers;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.model.ImageModel;
import io.catalogimage.worker.budget.Budgets;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.provider.ProviderOutcome;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.stereotype.Component;

/**
 * Which model to ask, and what to do with each outcome, per error class (DESIGN.md decision 5):
 *
 * <ul>
 *   <li>rate limit or timeout: wait on the same model, or move to the tier's next model when
 *       waiting costs more than switching: the wait is longer than {@code switch-after} scaled by
 *       the next model's price (a model twice the price is worth twice the wait), or the batch's
 *       deadline cannot afford it; a cost cap keeps the item on the cheaper model unless the
 *       deadline needs the switch;
 *   <li>server error: retry with jittered exponential backoff;
 *   <li>any failure of the model (429, server error, timeout, lost connection, no image): after
 *       {@code tries-per-model} of them on one model in this run the item moves to the next model
 *       of its chain that it has not worn out and that can take calls, whatever that model's
 *       circuit breaker says (the breaker is per worker and needs many calls to open);
 *   <li>daily quota used up: the next model, or parked until the quota's reset;
 *   <li>safety block: never retried on the same model; another model only where the batch allows it
 *       ({@code allowSafetyReroute}), else BLOCKED with the provider's message;
 *   <li>downgrade: recorded, and accepted or retried by policy.
 * </ul>
 *
 * Every decision carries its reason in words, kept on the attempt (the item's history).
 */
@Component
public class RoutingPolicy {

  private final Tiers tiers;
  private final RetryProperties retry;
  private final RoutingProperties props;
  private final PeakCalendar peak;
  private final Budgets budgets;
  private final ModelHealth health;
  private final Clock clock;

  public RoutingPolicy(
      Tiers tiers,
      RetryProperties retry,
      RoutingProperties props,
      PeakCalendar peak,
      Budgets budgets,
      ModelHealth health,
      Clock clock) {
    this.health = health;
    this.tiers = tiers;
    this.retry = retry;
    this.props = props;
    this.peak = peak;
    this.budgets = budgets;
    this.clock = clock;
  }

  /** The model for the item's next call: the one routing chose, else the chain's first. */
  public String modelFor(ClaimedItem item) {
    if (item.isEdit()) {
      return item.edit().model();
    }
    if (item.nextModel() != null) {
      return item.nextModel();
    }
    List<ImageModel> chain = chain(item);
    if (chain.isEmpty()) {
      throw new IllegalStateException(
          "no model of tier "
              + item.tier()
              + " produces "
              + item.variant().aspectRatio()
              + " at "
              + item.variant().size());
    }
    return chain.get(0).id();
  }

  /**
   * The other models of the item's chain, for detours: the ones after {@code model} in order, then
   * the ones before it (an item that started on the second model can still go back to the first).
   */
  public List<String> alternativesTo(ClaimedItem item, String model) {
    List<String> after = new ArrayList<>();
    List<String> before = new ArrayList<>();
    boolean seen = false;
    for (ImageModel m : chain(item)) {
      if (m.id().equals(model)) {
        seen = true;
      } else if (seen) {
        after.add(m.id());
      } else {
        before.add(m.id());
      }
    }
    after.addAll(before);
    return after;
  }

  /**
   * @param attemptNo the call's number in the item's whole life (the ledger's); retries are counted
   *     within the current run, so a re-driven item gets all of them again
   */
  public Decision decide(ClaimedItem item, String model, int attemptNo, ProviderOutcome outcome) {
    Instant now = clock.instant();
    attemptNo = attemptNo - item.attemptsBeforeRun();
    boolean attemptsLeft = attemptNo < retry.maxAttempts();
    if (outcome instanceof ProviderOutcome.Generated g) {
      if (g.downgrade() == null) {
        return new Decision.Accept(null);
      }
      if (!props.acceptDowngrades() && attemptsLeft) {
        return new Decision.RetryAt(
            now.plus(backoff(attemptNo)),
            model,
            "downgrade not accepted (pipeline.routing.accept-downgrades=false): " + g.downgrade());
      }
      return new Decision.Accept("downgrade recorded: " + g.downgrade());
    }
    if (outcome instanceof ProviderOutcome.Blocked b) {
      String next = nextModel(item, model);
      if (item.allowSafetyReroute() && next != null && attemptsLeft) {
        return new Decision.RetryAt(
            now,
            next,
            "blocked on "
                + model
                + " ("
                + b.reason()
                + "); the batch allows safety reroutes, so "
                + next
                + " is asked");
      }
      return new Decision.GiveUp(ItemState.BLOCKED, b.reason(), b.message());
    }
    if (outcome instanceof ProviderOutcome.Rejected r) {
      return new Decision.GiveUp(ItemState.FAILED, "REJECTED", r.message());
    }
    if (outcome instanceof ProviderOutcome.KeyRefused k) {
      // the endpoint is out of use now: the next start goes to another endpoint or model of the
      // chain, or fails the item without a call when none is left
      return new Decision.RetryAt(
          now, model, "KEY_REFUSED: " + k.message() + "; another endpoint or model is asked");
    }
    if (outcome instanceof ProviderOutcome.QuotaExhausted q) {
      return quotaExhausted(item, model, attemptsLeft, q, now);
    }
    if (!attemptsLeft) {
      return new Decision.GiveUp(
          ItemState.FAILED,
          outcome.kind(),
          "gave up after " + attemptNo + " attempts; last: " + message(outcome));
    }
    String what = outcome.kind() + ": " + message(outcome);
    if (isModelFailure(outcome)) {
      int failures = item.failuresOn(model) + 1;
      if (failures >= props.triesPerModel()) {
        String next = nextNotWornOut(item, model);
        if (next != null) {
          return new Decision.RetryAt(
              now,
              next,
              what
                  + "; "
                  + model
                  + " failed "
                  + failures
                  + " times for this item (pipeline.routing.tries-per-model="
                  + props.triesPerModel()
                  + "), so "
                  + next);
        }
      }
    }
    Duration wait = backoff(attemptNo);
    if (outcome instanceof ProviderOutcome.RateLimited r && r.retryAfter() != null) {
      wait = r.retryAfter();
    }
    if (outcome instanceof ProviderOutcome.RateLimited r && r.retryAfter() != null) {
      // the waits this item already made on the model count: dense 429s add up
      int waits = item.rateLimitsOn(model) + 1;
      return waitOrSwitch(item, model, wait, wait.multipliedBy(waits), what, now);
    }
    if (outcome instanceof ProviderOutcome.RateLimited
        || outcome instanceof ProviderOutcome.TimedOut) {
      return waitOrSwitch(item, model, wait, wait, what, now);
    }
    return new Decision.RetryAt(now.plus(wait), model, what + "; retry after backoff");
  }

  /**
   * The outcomes that say the model is failing this item: throttled, broken, hung, cut off or
   * empty-handed. Blocks, rejections and quotas have their own rules.
   */
  static boolean isModelFailure(ProviderOutcome o) {
    return (o instanceof ProviderOutcome.RateLimited r && r.retryAfter() == null)
        || o instanceof ProviderOutcome.ServerError
        || o instanceof ProviderOutcome.TimedOut
        || o instanceof ProviderOutcome.ConnectionLost
        || o instanceof ProviderOutcome.NoImage;
  }

  /**
   * The next model of the chain (after {@code model}, then from the start) that this item has not
   * worn out and that can take calls now; null when there is none.
   */
  String nextNotWornOut(ClaimedItem item, String model) {
    for (String m : alternativesTo(item, model)) {
      if (item.failuresOn(m) < props.triesPerModel() && health.usable(m)) {
        return m;
      }
    }
    return null;
  }

  /**
   * Rate limit or timeout: the next model or a wait, whichever costs less. Waiting costs time (for
   * 429s the waits this item already made on the model count too), and a wait the deadline cannot
   * afford always switches. Switching costs the price difference: the wait tolerated grows with the
   * next model's price ({@code switch-after} x its price over this one's), and a batch with a cost
   * cap keeps a long wait on the cheaper model unless the deadline needs the switch. A next model
   * that cannot take calls (open circuit, quota used up) is no alternative.
   */
  private Decision waitOrSwitch(
      ClaimedItem item, String model, Duration wait, Duration waited, String what, Instant now) {
    Instant retryAt = now.plus(wait);
    String next = nextUsable(item, model);
    if (next == null) {
      return new Decision.RetryAt(retryAt, model, what + "; waiting " + seconds(wait));
    }
    boolean deadlineAtRisk = item.deadline() != null && retryAt.isAfter(item.deadline());
    if (deadlineAtRisk) {
      return new Decision.RetryAt(
          now, next, what + "; waiting " + seconds(wait) + " would miss the deadline, so " + next);
    }
    BigDecimal here = imageCost(item, model);
    BigDecimal there = imageCost(item, next);
    Duration tolerated = tolerated(here, there);
    boolean longWait = waited.compareTo(tolerated) > 0;
    boolean pricier = there.compareTo(here) > 0;
    if (longWait && item.costCapUsd() != null && pricier) {
      return new Decision.RetryAt(
          retryAt,
          model,
          what + "; waiting " + seconds(wait) + ": the batch's cost cap favours the cheaper model");
    }
    if (longWait) {
      return new Decision.RetryAt(
          now,
          next,
          what
              + "; "
              + (waited.equals(wait)
                  ? "a wait of " + seconds(wait)
                  : "waiting " + seconds(wait) + " more (" + seconds(waited) + " in all)")
              + " costs more than switching (worth at most "
              + seconds(tolerated)
              + " at "
              + next
              + "'s price), so "
              + next);
    }
    return new Decision.RetryAt(retryAt, model, what + "; waiting " + seconds(wait));
  }

  /** The longest wait worth making rather than paying {@code there} instead of {@code here}. */
  private Duration tolerated(BigDecimal here, BigDecimal there) {
    if (here.signum() <= 0 || there.compareTo(here) <= 0) {
      return props.switchAfter();
    }
    double ratio = there.doubleValue() / here.doubleValue();
    return Duration.ofMillis(Math.round(props.switchAfter().toMillis() * ratio));
  }

  /** The next model of the chain that can take calls now, or null. */
  private String nextUsable(ClaimedItem item, String model) {
    for (String m : alternativesTo(item, model)) {
      if (health.usable(m)) {
        return m;
      }
    }
    return null;
  }

  private Decision quotaExhausted(
      ClaimedItem item,
      String model,
      boolean attemptsLeft,
      ProviderOutcome.QuotaExhausted q,
      Instant now) {
    String next = nextModel(item, model);
    Instant reset = budgets.nextReset(model);
    boolean resetSoon = !q.limitZero() && resetIsSoon(item, Duration.between(now, reset), now);
    if (next != null && attemptsLeft && !resetSoon && (props.rerouteOnQuota() || q.limitZero())) {
      return new Decision.RetryAt(
          now, next, "quota of " + model + " exhausted; rerouted to " + next);
    }
    if (q.limitZero()) {
      // "limit: 0" is no entitlement at all: waiting for a reset never helps
      return new Decision.GiveUp(ItemState.FAILED, "QUOTA_EXHAUSTED", q.message());
    }
    return new Decision.RetryAt(
        reset, model, "daily quota of " + model + " exhausted; parked until its reset at " + reset);
  }

  /** What to do with an item whose budget says wait longer than a worker holds items. */
  public Decision budgetWait(
      ClaimedItem item, String model, Duration wait, boolean dailyQuota, String reason) {
    Instant now = clock.instant();
    String next = nextModel(item, model);
    if (dailyQuota && props.rerouteOnQuota() && next != null && !resetIsSoon(item, wait, now)) {
      return new Decision.RetryAt(now, next, reason + "; rerouted to " + next);
    }
    if (!dailyQuota
        && next != null
        && item.deadline() != null
        && now.plus(wait).isAfter(item.deadline())) {
      return new Decision.RetryAt(now, next, reason + "; the deadline cannot wait, so " + next);
    }
    return new Decision.RetryAt(
        now.plus(wait), model, reason + "; waiting until " + now.plus(wait));
  }

  /**
   * A daily reset no further than {@code switch-after} (and before the deadline) is waited for, as
   * a short rate-limit wait is: cheaper than the next model.
   */
  private boolean resetIsSoon(ClaimedItem item, Duration untilReset, Instant now) {
    return untilReset.compareTo(props.switchAfter()) <= 0
        && (item.deadline() == null || !now.plus(untilReset).isAfter(item.deadline()));
  }

  /** Full-jitter exponential backoff: uniform in [base/2, min(max, base x 2^(n-1))]. */
  Duration backoff(int attemptNo) {
    long base = retry.backoffBase().toMillis();
    long cap = retry.backoffMax().toMillis();
    long ceiling = Math.min(cap, base << Math.min(20, Math.max(0, attemptNo - 1)));
    long jittered =
        ThreadLocalRandom.current().nextLong(base / 2, Math.max(base / 2 + 1, ceiling + 1));
    return Duration.ofMillis(jittered);
  }

  /**
   * The model after {@code current} in the chain, never wrapping to the start (a blocked or
   * quota-less item walks the chain once); the first other model when {@code current} is not in it.
   */
  private String nextModel(ClaimedItem item, String current) {
    List<ImageModel> chain = chain(item);
    boolean inChain = chain.stream().anyMatch(m -> m.id().equals(current));
    List<String> others = alternativesTo(item, current);
    if (others.isEmpty()) {
      return null;
    }
    if (!inChain) {
      return others.get(0);
    }
    int at = 0;
    for (int i = 0; i < chain.size(); i++) {
      if (chain.get(i).id().equals(current)) {
        at = i;
      }
    }
    return at + 1 < chain.size() ? chain.get(at + 1).id() : null;
  }

  /**
   * The item's chain of capable models; for interactive work inside a peak window, the configured
   * peak chain of its tier when there is one.
   */
  private List<ImageModel> chain(ClaimedItem item) {
    List<ImageModel> capable =
        tiers.capable(item.tier(), item.variant().size(), item.variant().aspectRatio());
    if (item.isEdit()) {
      // a conversation does not move between models: an edit's chain is its model alone, so no
      // rate limit, block or quota ever reroutes it (its signatures would mean nothing elsewhere)
      return capable.stream().filter(m -> m.answersTo(item.edit().model())).toList();
    }
    List<String> peakChain = props.interactivePeakChains().get(item.tier());
    if (peakChain == null || !"interactive".equals(item.lane()) || !peak.isPeak(clock.instant())) {
      return capable;
    }
    List<ImageModel> ordered = new ArrayList<>();
    for (String id : peakChain) {
      capable.stream().filter(m -> m.answersTo(id)).findFirst().ifPresent(ordered::add);
    }
    capable.stream().filter(m -> !ordered.contains(m)).forEach(ordered::add);
    return ordered;
  }

  /** List price of one image of the item's size on a model (output image tokens only). */
  private BigDecimal imageCost(ClaimedItem item, String model) {
    return tiers.capable(item.tier(), item.variant().size(), item.variant().aspectRatio()).stream()
        .filter(m -> m.answersTo(model))
        .findFirst()
        .map(
            m ->
                BigDecimal.valueOf(m.outputTokens(item.variant().size()))
                    .multiply(m.listPrice().outputImage()))
        .orElse(BigDecimal.ZERO);
  }

  private static String seconds(Duration d) {
    return d.toMillis() < 10_000
        ? String.format("%.1fs", d.toMillis() / 1000.0)
        : d.toSeconds() + "s";
  }

  private static String message(ProviderOutcome o) {
    if (o instanceof ProviderOutcome.NoImage n) {
      return n.reason() + ": " + n.message();
    }
    if (o instanceof ProviderOutcome.RateLimited r) {
      return r.message();
    }
    if (o instanceof ProviderOutcome.ServerError s) {
      return s.message();
    }
    if (o instanceof ProviderOutcome.TimedOut t) {
      return t.message();
    }
    if (o instanceof ProviderOutcome.ConnectionLost c) {
      return c.message();
    }
    return o.kind();
  }
}
