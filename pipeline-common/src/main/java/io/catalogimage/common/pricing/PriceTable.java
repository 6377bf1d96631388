package io.catalogimage.common.pricing;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Prices per endpoint x model x size. An endpoint may set a flat per-image price for a model
 * (optionally per size); everything else is the model's list price by tokens.
 */
public final class PriceTable {

  /** endpoint -> model id -> size ("*" for every size) -> USD per image. */
  private final Map<String, Map<String, Map<String, BigDecimal>>> flatPrices;

  private final ModelCatalog catalog;

  public PriceTable(
      ModelCatalog catalog, Map<String, Map<String, Map<String, BigDecimal>>> flatPrices) {
    this.catalog = catalog;
    this.flatPrices = Map.copyOf(flatPrices);
  }

  public static PriceTable listPrices(ModelCatalog catalog) {
    return new PriceTable(catalog, Map.of());
  }

  public Price price(String endpoint, String modelId, String size) {
    ImageModel model = catalog.require(modelId);
    Map<String, BigDecimal> bySize =
        flatPrices.getOrDefault(endpoint, Map.of()).getOrDefault(model.id(), Map.of());
    BigDecimal flat = bySize.containsKey(size) ? bySize.get(size) : bySize.get("*");
    return flat != null ? new Price.PerImage(flat) : new Price.PerToken(model.listPrice());
  }

  /**
   * What one successful image should cost before the call is made: the usage the documentation
   * promises for this size, plus the prompt. Used to reserve money against caps.
   */
  public BigDecimal estimate(
      String endpoint, String modelId, String size, int promptTokens, int referenceImages) {
    ImageModel model = catalog.require(modelId);
    TokenUsage expected =
        new TokenUsage(
            promptTokens,
            referenceImages * model.inputImageTokens(),
            EXPECTED_TEXT_TOKENS,
            model.outputTokens(size),
            EXPECTED_THINKING_TOKENS);
    return price(endpoint, modelId, size).cost(expected);
  }

  /** Alt text and caption JSON: a few hundred tokens. */
  private static final int EXPECTED_TEXT_TOKENS = 200;

  /** Thinking models report 100-400 thinking tokens per image. */
  private static final int EXPECTED_THINKING_TOKENS = 300;
}
