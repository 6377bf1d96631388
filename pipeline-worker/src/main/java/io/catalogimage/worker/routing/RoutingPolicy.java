package io.catalogimage.worker.routing;

import io.catalogimage.common.catalog.Tiers;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.model.ImageModel;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.provider.ProviderOutcome;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.stereotype.Component;

/**
 * Which model to ask, and what to do with each outcome, per error class: a safety block is never
 * retried blindly; a rate limit waits for the provider's retry delay; server errors and timeouts
 * back off with jitter; a quota that will not refill within minutes moves to the tier's next model.
 */
@Component
public class RoutingPolicy {

  private final Tiers tiers;
  private final RetryProperties retry;
  private final Clock clock;

  public RoutingPolicy(Tiers tiers, RetryProperties retry, Clock clock) {
    this.tiers = tiers;
    this.retry = retry;
    this.clock = clock;
  }

  /** The model for the item's next call: the one routing chose, else the tier's first capable. */
  public String modelFor(ClaimedItem item) {
    if (item.nextModel() != null) {
      return item.nextModel();
    }
    List<ImageModel> capable = capable(item);
    if (capable.isEmpty()) {
      throw new IllegalStateException(
          "no model of tier "
              + item.tier()
              + " produces "
              + item.variant().aspectRatio()
              + " at "
              + item.variant().size());
    }
    return capable.get(0).id();
  }

  public Decision decide(ClaimedItem item, String model, int attemptNo, ProviderOutcome outcome) {
    if (outcome instanceof ProviderOutcome.Generated g) {
      return new Decision.Accept(
          g.downgrade() == null ? null : "downgrade recorded: " + g.downgrade());
    }
    if (outcome instanceof ProviderOutcome.Blocked b) {
      return new Decision.GiveUp(ItemState.BLOCKED, b.reason(), b.message());
    }
    if (outcome instanceof ProviderOutcome.Rejected r) {
      return new Decision.GiveUp(ItemState.FAILED, "REJECTED", r.message());
    }
    boolean attemptsLeft = attemptNo < retry.maxAttempts();
    if (outcome instanceof ProviderOutcome.QuotaExhausted q) {
      String next = nextModel(item, model);
      if (next != null && attemptsLeft) {
        return new Decision.RetryAt(clock.instant(), next, "quota of " + model + " exhausted");
      }
      return new Decision.GiveUp(ItemState.FAILED, "QUOTA_EXHAUSTED", q.message());
    }
    if (!attemptsLeft) {
      return new Decision.GiveUp(
          ItemState.FAILED,
          outcome.kind(),
          "gave up after " + attemptNo + " attempts; last: " + message(outcome));
    }
    Duration wait = backoff(attemptNo);
    if (outcome instanceof ProviderOutcome.RateLimited r && r.retryAfter() != null) {
      wait = r.retryAfter();
    }
    return new Decision.RetryAt(
        clock.instant().plus(wait), model, outcome.kind() + ": " + message(outcome));
  }

  /** Full-jitter exponential backoff: uniform in [0, min(max, base x 2^(n-1))]. */
  Duration backoff(int attemptNo) {
    long base = retry.backoffBase().toMillis();
    long cap = retry.backoffMax().toMillis();
    long ceiling = Math.min(cap, base << Math.min(20, attemptNo - 1));
    long jittered =
        ThreadLocalRandom.current().nextLong(base / 2, Math.max(base / 2 + 1, ceiling + 1));
    return Duration.ofMillis(jittered);
  }

  private String nextModel(ClaimedItem item, String current) {
    List<ImageModel> capable = capable(item);
    for (int i = 0; i < capable.size() - 1; i++) {
      if (capable.get(i).id().equals(current)) {
        return capable.get(i + 1).id();
      }
    }
    return null;
  }

  private List<ImageModel> capable(ClaimedItem item) {
    return tiers.capable(item.tier(), item.variant().size(), item.variant().aspectRatio());
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
    return o.kind();
  }
}
