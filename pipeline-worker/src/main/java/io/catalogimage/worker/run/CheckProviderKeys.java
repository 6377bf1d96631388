package io.catalogimage.worker.run;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.ProviderProperties;
import io.catalogimage.worker.provider.Providers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Before the consumers start, each endpoint looks up the models it serves: one free, unbilled,
 * authenticated call for the first; the others only when the key was accepted (to report a model id
 * the endpoint does not know). A refused key takes the endpoint out of use as the first refused
 * generation call would, so no item is spent on it. Anything else (a network error, a timeout, a
 * 5xx or 429) is logged and leaves the endpoint in use: the check never holds the worker back for
 * longer than twice its timeout, and never fails it.
 */
@Component
class CheckProviderKeys implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(CheckProviderKeys.class);

  private final Providers providers;
  private final ModelCatalog catalog;
  private final ProviderProperties.KeyCheck settings;
  private volatile boolean running;

  CheckProviderKeys(Providers providers, ModelCatalog catalog, ProviderProperties props) {
    this.providers = providers;
    this.catalog = catalog;
    this.settings = props.keyCheck();
  }

  @Override
  public void start() {
    running = true;
    if (!settings.enabled()) {
      return;
    }
    List<CompletableFuture<Void>> checks = providers.all().stream().map(this::check).toList();
    Duration wait = settings.timeout().multipliedBy(2).plusSeconds(1);
    try {
      CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
          .get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("provider key check still running after {}s: the worker starts anyway", wait);
    } catch (ExecutionException e) {
      log.warn("provider key check failed: {}", e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The first served model decides about the key; the others are then looked up together. */
  CompletableFuture<Void> check(ImageProvider provider) {
    List<String> models =
        catalog.models().stream().map(ImageModel::id).filter(provider::serves).toList();
    if (models.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return provider
        .lookUp(models.get(0), settings.timeout())
        .thenCompose(
            first -> {
              if (!heard(provider, models.get(0), first)) {
                return CompletableFuture.completedFuture(null);
              }
              log.info("provider endpoint '{}' accepted its API key", provider.endpoint());
              return CompletableFuture.allOf(
                  models.subList(1, models.size()).stream()
                      .map(
                          m ->
                              provider
                                  .lookUp(m, settings.timeout())
                                  .thenAccept(outcome -> heard(provider, m, outcome)))
                      .toArray(CompletableFuture[]::new));
            });
  }

  /** Acts on one look-up; true when the key was accepted (the model found or unknown). */
  private boolean heard(ImageProvider provider, String model, ProviderOutcome outcome) {
    String endpoint = provider.endpoint();
    if (outcome instanceof ProviderOutcome.Described) {
      return true;
    }
    if (outcome instanceof ProviderOutcome.KeyRefused refused) {
      providers.keyRefused(endpoint, refused.message());
      return false;
    }
    int status = outcome.info().httpStatus();
    if (status == 404) {
      providers.modelNotFound(endpoint, model, describe(outcome));
      return true;
    }
    if (status == 0 && outcome instanceof ProviderOutcome.Rejected) {
      log.debug("provider endpoint '{}' cannot look models up: key not checked", endpoint);
      return false;
    }
    log.warn(
        "could not check the API key of provider endpoint '{}' ({}: {}): it stays in use; a"
            + " refused key will show on its first call",
        endpoint,
        outcome.kind(),
        describe(outcome));
    return false;
  }

  private static String describe(ProviderOutcome outcome) {
    if (outcome instanceof ProviderOutcome.Rejected r) {
      return r.message();
    } else if (outcome instanceof ProviderOutcome.ServerError e) {
      return e.message();
    } else if (outcome instanceof ProviderOutcome.TimedOut t) {
      return t.message();
    } else if (outcome instanceof ProviderOutcome.ConnectionLost c) {
      return c.message();
    } else if (outcome instanceof ProviderOutcome.RateLimited r) {
      return r.message();
    } else if (outcome instanceof ProviderOutcome.QuotaExhausted q) {
      return q.message();
    }
    return outcome.toString();
  }

  @Override
  public void stop() {
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return Phases.CHECK_KEYS;
  }
}
