package io.catalogimage.worker.routing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * How routing chooses between waiting and another model.
 *
 * @param switchAfter a rate limit or timeout whose wait is longer than this moves the item to the
 *     tier's next model; a shorter one waits on the same model (default 60s). A deadline that the
 *     wait would miss always moves it; a cost cap keeps it on a cheaper model unless the deadline
 *     needs the switch.
 * @param rerouteOnQuota a daily quota used up moves items to the tier's next model (default true);
 *     false parks them until the quota resets
 * @param acceptDowngrades keep an image served by another model or at another size than asked, with
 *     the downgrade recorded (default true); false retries on the same model
 * @param interactivePeakChains model chains that replace a tier's for interactive work inside peak
 *     windows, e.g. {@code fast: [gemini-3-pro-image, gemini-3.1-flash-image]} (default none)
 * @param breakerWindow calls a model's circuit breaker looks at (default 20)
 * @param breakerFailureRate percent of server errors and timeouts that opens it (default 50)
 * @param breakerOpenFor how long an open circuit keeps calls away from the model (default 30s)
 * @param breakerProbes calls let through to decide whether to close it again (default 3)
 * @param triesPerModel failed calls (429, server error, timeout, connection lost, no image) an item
 *     makes on one model before it moves to the next model of its tier's chain, whatever that
 *     model's circuit breaker says (default 2)
 * @param breakerMinimumCalls calls a breaker needs before it can open (default 5: a model that
 *     hangs or fails outright is left within a handful of calls)
 */
@ConfigurationProperties("pipeline.routing")
public record RoutingProperties(
    Duration switchAfter,
    Boolean rerouteOnQuota,
    Boolean acceptDowngrades,
    Map<String, List<String>> interactivePeakChains,
    Integer breakerWindow,
    Float breakerFailureRate,
    Duration breakerOpenFor,
    Integer breakerProbes,
    Integer triesPerModel,
    Integer breakerMinimumCalls) {

  public RoutingProperties(
      Duration switchAfter,
      Boolean rerouteOnQuota,
      Boolean acceptDowngrades,
      Map<String, List<String>> interactivePeakChains,
      Integer breakerWindow,
      Float breakerFailureRate,
      Duration breakerOpenFor,
      Integer breakerProbes) {
    this(
        switchAfter,
        rerouteOnQuota,
        acceptDowngrades,
        interactivePeakChains,
        breakerWindow,
        breakerFailureRate,
        breakerOpenFor,
        breakerProbes,
        null,
        null);
  }

  @ConstructorBinding
  public RoutingProperties {
    switchAfter = switchAfter == null ? Duration.ofSeconds(60) : switchAfter;
    rerouteOnQuota = rerouteOnQuota == null || rerouteOnQuota;
    acceptDowngrades = acceptDowngrades == null || acceptDowngrades;
    interactivePeakChains =
        interactivePeakChains == null ? Map.of() : Map.copyOf(interactivePeakChains);
    breakerWindow = breakerWindow == null ? 20 : breakerWindow;
    breakerFailureRate = breakerFailureRate == null ? 50f : breakerFailureRate;
    breakerOpenFor = breakerOpenFor == null ? Duration.ofSeconds(30) : breakerOpenFor;
    breakerProbes = breakerProbes == null ? 3 : breakerProbes;
    triesPerModel = triesPerModel == null ? 2 : triesPerModel;
    breakerMinimumCalls =
        breakerMinimumCalls == null
            ? Math.min(5, Math.max(1, breakerWindow / 2))
            : breakerMinimumCalls;
    if (breakerWindow < 2 || breakerProbes < 1) {
      throw new IllegalArgumentException(
          "pipeline.routing.breaker-window must be at least 2 and breaker-probes at least 1");
    }
    if (triesPerModel < 1) {
      throw new IllegalArgumentException("pipeline.routing.tries-per-model must be at least 1");
    }
    if (breakerMinimumCalls < 1 || breakerMinimumCalls > breakerWindow) {
      throw new IllegalArgumentException(
          "pipeline.routing.breaker-minimum-calls must be between 1 and breaker-window");
    }
  }

  public static RoutingProperties defaults() {
    return new RoutingProperties(null, null, null, null, null, null, null, null, null, null);
  }
}
