package io.catalogimage.worker.run;

import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.Providers;
import io.catalogimage.worker.routing.ModelBreakers;
import io.catalogimage.worker.routing.RoutingPolicy;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The first step of a call: which model, on which endpoint. The routing policy's choice, unless
 * that model's circuit is open: then the next model of the chain whose circuit lets a call through,
 * with the reason written on the attempt; with every circuit open the item waits for the probe.
 */
@Component
class RouteStep {

  /** Where the step sends the item. */
  sealed interface Route {}

  /**
   * Call {@code model} on {@code provider}; {@code routed} says why this model when it is not the
   * tier's first choice (written on the attempt), or null.
   */
  record Go(String model, ImageProvider provider, String routed) implements Route {}

  /** Back to the queue without a call, due at {@code at}. */
  record Requeue(Instant at, String model, String reason) implements Route {}

  /**
   * No usable endpoint for the model or any other of its chain (keys refused, or none configured):
   * the item fails now, without a call, saying which setting to fix.
   */
  record Fail(String errorType, String reason) implements Route {}

  private final RoutingPolicy routing;
  private final ModelBreakers breakers;
  private final Providers providers;
  private final Clock clock;

  RouteStep(RoutingPolicy routing, ModelBreakers breakers, Providers providers, Clock clock) {
    this.routing = routing;
    this.breakers = breakers;
    this.providers = providers;
    this.clock = clock;
  }

  /** Takes the chosen model's breaker permission ({@code job.breakerModel}) when it goes. */
  Route route(Job job) {
    ClaimedItem item = job.item;
    String model = routing.modelFor(item);
    String routed = item.routeReason();
    if (!breakers.tryCall(model)) {
      String why = breakers.describe(model);
      Optional<String> detour =
          routing.alternativesTo(item, model).stream().filter(breakers::tryCall).findFirst();
      if (detour.isEmpty()) {
        Instant retry = clock.instant().plus(breakers.openFor());
        return new Requeue(
            retry, model, why + "; every model of the chain is out, probing again at " + retry);
      }
      routed = why + ", so " + detour.get() + " is asked instead";
      model = detour.get();
    }
    job.breakerModel = model;
    Optional<ImageProvider> provider = providers.forModel(model);
    if (provider.isEmpty()) {
      return noEndpointFor(job, model);
    }
    return new Go(model, provider.get(), routed);
  }

  /**
   * No usable endpoint serves the model: the chain's next model that has one, else the item fails.
   */
  private Route noEndpointFor(Job job, String model) {
    String why = providers.whyNoEndpoint(model);
    Optional<String> other =
        routing.alternativesTo(job.item, model).stream()
            .filter(m -> providers.forModel(m).isPresent())
            .findFirst();
    if (other.isPresent()) {
      return new Requeue(clock.instant(), other.get(), why + "; " + other.get() + " is asked");
    }
    boolean configured = providers.all().stream().anyMatch(p -> p.serves(model));
    return new Fail(configured ? "KEY_REFUSED" : "NO_ENDPOINT", why);
  }
}
