package io.catalogimage.worker.routing;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * A circuit breaker per model (resilience4j): a model whose calls keep failing with server errors,
 * timeouts, lost connections or 429s that never say when to come back stops getting calls for
 * {@code open-for}, then a few probe calls decide whether to trust it again. 429s with a retry
 * delay (the budget waits them out) and safety blocks say nothing about the model's health and do
 * not count. Each worker keeps its own breakers: a breaker is about what this worker sees, and a
 * fresh replica probes for itself.
 */
@Component
public class ModelBreakers {

  private final CircuitBreakerRegistry registry;
  private final RoutingProperties props;

  public ModelBreakers(RoutingProperties props) {
    this.props = props;
    this.registry =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(props.breakerWindow())
                .minimumNumberOfCalls(props.breakerMinimumCalls())
                .failureRateThreshold(props.breakerFailureRate())
                .waitDurationInOpenState(props.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(props.breakerProbes())
                .build());
  }

  /** Takes a permission to call the model; false while its circuit is open. */
  public boolean tryCall(String model) {
    return breaker(model).tryAcquirePermission();
  }

  /** Gives back a permission that was not used for a call. */
  public void notCalled(String model) {
    breaker(model).releasePermission();
  }

  public void succeeded(String model, Duration latency) {
    breaker(model).onSuccess(latency.toNanos(), TimeUnit.NANOSECONDS);
  }

  public void failed(String model, Duration latency, String why) {
    breaker(model).onError(latency.toNanos(), TimeUnit.NANOSECONDS, new ModelFailure(why));
  }

  /** The call said nothing about the model's health (a 429, a block). */
  public void neutral(String model) {
    breaker(model).releasePermission();
  }

  public CircuitBreaker.State state(String model) {
    return breaker(model).getState();
  }

  /** True while the model's circuit is open (no calls); reading it takes no permission. */
  public boolean isOpen(String model) {
    CircuitBreaker.State s = state(model);
    return s == CircuitBreaker.State.OPEN || s == CircuitBreaker.State.FORCED_OPEN;
  }

  /** Why the circuit is open, in words: what share of how many recent calls failed. */
  public String describe(String model) {
    CircuitBreaker.Metrics m = breaker(model).getMetrics();
    return "circuit of "
        + model
        + " is open: "
        + m.getNumberOfFailedCalls()
        + " of its last "
        + m.getNumberOfBufferedCalls()
        + " calls failed";
  }

  /** How long a model whose circuit is open is left alone. */
  public Duration openFor() {
    return props.breakerOpenFor();
  }

  private CircuitBreaker breaker(String model) {
    return registry.circuitBreaker(model);
  }

  /** What the breaker records as the failure. */
  static final class ModelFailure extends RuntimeException {
    ModelFailure(String message) {
      super(message, null, false, false);
    }
  }
}
