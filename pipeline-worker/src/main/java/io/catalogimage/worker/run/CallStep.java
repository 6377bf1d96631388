package io.catalogimage.worker.run;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.pricing.Price;
import io.catalogimage.common.pricing.TokenUsage;
import io.catalogimage.worker.budget.Budgets;
import io.catalogimage.worker.provider.CallInfo;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.ModelTimeouts;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.Providers;
import io.catalogimage.worker.routing.ModelBreakers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The call itself: sends the request (asynchronously, with the model's timeout), and tells the
 * shared budget (whose quota learner hears 429s and stated limits as soon as they arrive), the
 * model's circuit breaker, its learnt timeout and the metrics what the provider answered. Also
 * prices the answer: the provider's usage at the endpoint's prices; for an unknown outcome
 * (timeout, connection lost) the reserved estimate, flagged possibly billed.
 */
@Component
class CallStep {

  private static final Logger log = LoggerFactory.getLogger(CallStep.class);

  private final Budgets budgets;
  private final ModelBreakers breakers;
  private final ModelTimeouts timeouts;
  private final Providers providers;
  private final ModelCatalog catalog;
  private final MeterRegistry meters;

  CallStep(
      Budgets budgets,
      ModelBreakers breakers,
      ModelTimeouts timeouts,
      Providers providers,
      ModelCatalog catalog,
      MeterRegistry meters) {
    this.budgets = budgets;
    this.breakers = breakers;
    this.timeouts = timeouts;
    this.providers = providers;
    this.catalog = catalog;
    this.meters = meters;
    for (ImageProvider provider : providers.all()) {
      // 0 once the provider refused the endpoint's key: an alert, not a failed readiness
      meters.gauge(
          "pipeline.provider.endpoint_usable",
          Tags.of("endpoint", provider.endpoint()),
          providers,
          p -> p.usable(provider.endpoint()) ? 1 : 0);
    }
  }

  /**
   * The provider's answer; never completes exceptionally (a client bug becomes a server error, so
   * that the call is still settled). Reports the breaker permission the job holds.
   */
  CompletableFuture<ProviderOutcome> call(Job job, Call call) {
    job.called();
    CompletableFuture<ProviderOutcome> answer;
    try {
      answer = call.provider().generate(call.request());
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return answer
        .handle(
            (outcome, failure) ->
                failure == null
                    ? outcome
                    : new ProviderOutcome.ServerError(
                        "the provider client failed: " + failure, CallInfo.noAnswer(Duration.ZERO)))
        .thenApply(
            outcome -> {
              learn(job, call, outcome);
              return outcome;
            });
  }

  /** Tells the budget, the breaker, the timeouts and the metrics what the provider answered. */
  void learn(Job job, Call call, ProviderOutcome outcome) {
    String endpoint = call.provider().endpoint();
    String model = call.model();
    Duration latency = outcome.info().latency();
    job.breakerModel = null; // reported below, one way or another
    ModelTimeouts.Stretched stretched = job.stretched;
    job.stretched = null;
    if (outcome instanceof ProviderOutcome.Generated) {
      timeouts.observe(model, call.request().size(), latency, stretched);
    } else if (outcome instanceof ProviderOutcome.TimedOut) {
      timeouts.timedOut(model, call.request().size(), stretched);
    } else {
      timeouts.noVerdict(stretched);
    }
    // first, and on the thread the answer arrived on: a 429 (counted in the second its call went)
    // and a stated x-ratelimit limit reach the quota learner before anything else is done
    budgets.answered(endpoint, model, outcome);
    try {
      if (outcome instanceof ProviderOutcome.Generated) {
        budgets.succeeded(endpoint, model, call.started());
        breakers.succeeded(model, latency);
      } else if (outcome instanceof ProviderOutcome.RateLimited r) {
        if (r.retryAfter() == null) {
          // a throttle that never says when is a health signal: counted like a failure
          breakers.failed(model, latency, outcome.kind());
        } else {
          breakers.neutral(model);
        }
      } else if (outcome instanceof ProviderOutcome.QuotaExhausted q) {
        if (!q.limitZero()) {
          // by when the call was recorded, as for a success (a time worked back from the latency
          // can put a call in flight when the quota ran out after it)
          budgets.dailyQuotaExhausted(
              endpoint, model, call.started(), job.gate != null && job.gate.probe());
        }
        breakers.neutral(model);
      } else if (outcome instanceof ProviderOutcome.ServerError
          || outcome instanceof ProviderOutcome.TimedOut
          || outcome instanceof ProviderOutcome.ConnectionLost) {
        breakers.failed(model, latency, outcome.kind());
      } else if (outcome instanceof ProviderOutcome.KeyRefused k) {
        // the endpoint is out of use until its key is fixed; the model itself is not at fault
        providers.keyRefused(endpoint, k.message());
        breakers.neutral(model);
      } else {
        breakers.neutral(model);
      }
    } catch (RuntimeException e) {
      log.warn("could not record {} of {} in its budget: {}", outcome.kind(), model, e.toString());
    }
    meters
        .counter(
            "pipeline.provider.calls",
            "model",
            model,
            "endpoint",
            endpoint,
            "outcome",
            outcome.kind())
        .increment();
    // a histogram (buckets for Prometheus's histogram_quantile across workers) and this worker's
    // own percentiles
    Timer.builder("pipeline.provider.latency")
        .tags("model", model, "endpoint", endpoint)
        .publishPercentiles(0.5, 0.95, 0.99)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(100))
        .maximumExpectedValue(Duration.ofMinutes(5))
        .register(meters)
        .record(latency);
    // 0 closed, 1 open, 2 half-open (probing)
    meters.gauge(
        "pipeline.breaker.state",
        Tags.of("model", model),
        breakers,
        b -> breakerCode(b.state(model)));
  }

  /** The item leaves without its call's outcome reported: its stretched timeout is free again. */
  void noVerdict(Job job) {
    ModelTimeouts.Stretched stretched = job.stretched;
    job.stretched = null;
    timeouts.noVerdict(stretched);
  }

  private static int breakerCode(CircuitBreaker.State state) {
    return switch (state) {
      case OPEN, FORCED_OPEN -> 1;
      case HALF_OPEN -> 2;
      default -> 0;
    };
  }

  /**
   * What the call cost: the provider's reported usage at the endpoint's prices (or the documented
   * usage when it reported none); for an unknown outcome the estimate; blocks and empty answers are
   * not charged by the providers.
   */
  BigDecimal cost(Call call, ProviderOutcome outcome) {
    BigDecimal cost;
    if (outcome.possiblyBilled()) {
      cost = call.reserved();
    } else if (outcome instanceof ProviderOutcome.Generated g) {
      TokenUsage usage = g.info().usage();
      if (usage == null) {
        ImageModel m = catalog.require(call.model());
        usage =
            new TokenUsage(
                PromptComposer.estimateTokens(call.request().prompt()),
                0,
                0,
                m.outputTokens(call.request().size()),
                0);
      }
      Price price = providers.price(call.provider(), call.model(), call.request().size());
      cost = (call.batchRate() ? price.atBatchRate() : price).cost(usage);
    } else {
      cost = BigDecimal.ZERO;
    }
    meters
        .counter(
            "pipeline.provider.cost_usd",
            "model",
            call.model(),
            "endpoint",
            call.provider().endpoint(),
            "possibly_billed",
            String.valueOf(outcome.possiblyBilled()))
        .increment(cost.doubleValue());
    return cost;
  }
}
