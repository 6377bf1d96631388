package io.catalogimage.worker.routing;

import io.catalogimage.worker.budget.BudgetAnswer;
import io.catalogimage.worker.budget.Budgets;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.Providers;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Whether a model can take a call now, and if not why: its circuit is open, or its daily quota is
 * known to be used up. Routing asks before moving an item to a model, so that a detour never lands
 * on a model that is itself out.
 */
@Component
public class ModelHealth {

  private final ModelBreakers breakers;
  private final Budgets budgets;
  private final Providers providers;

  public ModelHealth(ModelBreakers breakers, Budgets budgets, Providers providers) {
    this.breakers = breakers;
    this.budgets = budgets;
    this.providers = providers;
  }

  /** Empty when the model can take a call; else the reason it cannot. */
  public Optional<String> unavailable(String model) {
    if (breakers.isOpen(model)) {
      return Optional.of(breakers.describe(model));
    }
    Optional<ImageProvider> provider = providers.forModel(model);
    if (provider.isEmpty()) {
      return Optional.of("no endpoint serves " + model);
    }
    return budgets.exhausted(provider.get().endpoint(), model).map(BudgetAnswer.Wait::reason);
  }

  public boolean usable(String model) {
    return unavailable(model).isEmpty();
  }
}
