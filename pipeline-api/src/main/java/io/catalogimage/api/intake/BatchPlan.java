package io.catalogimage.api.intake;

import java.time.Instant;

/**
 * When a submitted batch should be done, from the budgets it can get.
 *
 * @param eta the estimated finish, or null when the first model of the tier has no configured rate
 * @param basis how the estimate was made, in words
 * @param atRisk why the deadline cannot be met, or null
 */
public record BatchPlan(Instant eta, String basis, String atRisk) {}
