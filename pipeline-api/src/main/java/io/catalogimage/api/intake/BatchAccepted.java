package io.catalogimage.api.intake;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.catalogimage.api.budget.LearntRates;
import io.catalogimage.common.id.BatchId;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The answer to an accepted submission: the batch id, where to follow it, and when it should be
 * done.
 *
 * @param eta estimated finish from the budgets (null when the tier's model has no configured rate)
 * @param etaBasis how the estimate was made
 * @param atRisk set when the estimate passes the deadline: why
 * @param rates the rates the estimate used: per model of the tier and provider account, the
 *     configured rate (the ceiling), the rate learnt from the provider and per hour of the day
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchAccepted(
    String id,
    String name,
    String state,
    int productCount,
    int itemCount,
    Instant deadline,
    Instant eta,
    String etaBasis,
    String atRisk,
    List<LearntRates.ModelRate> rates,
    Map<String, String> links) {

  public BatchAccepted(
      String id,
      String name,
      String state,
      int productCount,
      int itemCount,
      Instant deadline,
      Instant eta,
      String etaBasis,
      String atRisk,
      Map<String, String> links) {
    this(id, name, state, productCount, itemCount, deadline, eta, etaBasis, atRisk, null, links);
  }

  /** Where to follow a batch. */
  public static Map<String, String> links(BatchId batch) {
    String self = "/v1/batches/" + batch;
    Map<String, String> links = new LinkedHashMap<>(); // in this order in every answer
    links.put("self", self);
    links.put("items", self + "/items");
    links.put("results", self + "/results");
    links.put("webhooks", self + "/webhooks");
    return links;
  }
}
