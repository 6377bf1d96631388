package io.catalogimage.api.intake;

import io.catalogimage.api.budget.LearntRates;
import java.time.Instant;
import java.util.List;

/**
 * When a submitted batch should be done, from the budgets it can get.
 *
 * @param eta the estimated finish, or null when the first model of the tier has no configured rate
 * @param basis how the estimate was made, in words
 * @param atRisk why the deadline cannot be met, or null
 * @param rates the configured and learnt rates of the tier's models, per provider account
 */
public record BatchPlan(
    Instant eta, String basis, String atRisk, List<LearntRates.ModelRate> rates) {

  public BatchPlan(Instant eta, String basis, String atRisk) {
    this(eta, basis, atRisk, null);
  }
}
