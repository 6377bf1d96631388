package io.catalogimage.common.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.model.ModelCatalog;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-image list prices of reference §1.7, recomputed from tokens. */
class PriceTableTest {

  private final ModelCatalog catalog = ModelCatalog.defaults();
  private final PriceTable list = PriceTable.listPrices(catalog);

  private BigDecimal imageOnly(String model, String size) {
    int tokens = catalog.require(model).outputTokens(size);
    return list.price("google", model, size).cost(new TokenUsage(0, 0, 0, tokens, 0));
  }

  @Test
  void image_tokens_cost_what_the_reference_quotes_per_image() {
    assertThat(imageOnly("gemini-3.1-flash-image", "512")).isEqualByComparingTo("0.044820");
    assertThat(imageOnly("gemini-3.1-flash-image", "1K")).isEqualByComparingTo("0.067200");
    assertThat(imageOnly("gemini-3.1-flash-image", "2K")).isEqualByComparingTo("0.100800");
    assertThat(imageOnly("gemini-3.1-flash-image", "4K")).isEqualByComparingTo("0.151200");
    assertThat(imageOnly("gemini-3-pro-image", "2K")).isEqualByComparingTo("0.134400");
    assertThat(imageOnly("gemini-3-pro-image", "4K")).isEqualByComparingTo("0.240000");
    assertThat(imageOnly("gemini-2.5-flash-image", "1K")).isEqualByComparingTo("0.038700");
  }

  @Test
  void thinking_and_text_tokens_are_billed_at_the_text_output_rate() {
    Price nb2 = list.price("google", "gemini-3.1-flash-image", "1K");
    BigDecimal withThoughts = nb2.cost(new TokenUsage(100, 0, 50, 1120, 300));
    // 100 x $0.50 + (50 + 300) x $3 + 1120 x $60, per million
    assertThat(withThoughts).isEqualByComparingTo("0.068300");
  }

  @Test
  void a_gateway_flat_price_overrides_tokens_for_its_endpoint_only() {
    PriceTable table =
        new PriceTable(
            catalog,
            Map.of(
                "gateway", Map.of("gemini-3.1-flash-image", Map.of("*", new BigDecimal("0.058")))));
    TokenUsage usage = new TokenUsage(10, 0, 0, 1680, 0);
    assertThat(table.price("gateway", "gemini-3.1-flash-image", "2K").cost(usage))
        .isEqualByComparingTo("0.058");
    assertThat(table.price("google", "gemini-3.1-flash-image", "2K").cost(usage))
        .isEqualByComparingTo("0.100805");
  }

  @Test
  void aliases_are_priced_as_their_model() {
    assertThat(list.price("google", "gemini-3-pro-image-preview", "1K"))
        .isEqualTo(list.price("google", "gemini-3-pro-image", "1K"));
  }

  @Test
  void a_provider_batch_job_costs_half_the_standard_price_for_the_same_usage() {
    Price nb2 = list.price("google", "gemini-3.1-flash-image", "1K");
    TokenUsage usage = new TokenUsage(20, 0, 40, 1120, 300);
    java.math.BigDecimal standard = nb2.cost(usage);
    assertThat(nb2.atBatchRate().cost(usage))
        .isEqualByComparingTo(standard.divide(java.math.BigDecimal.valueOf(2)));
    Price flat = new Price.PerImage(new java.math.BigDecimal("0.04"));
    assertThat(flat.atBatchRate().cost(usage)).isEqualByComparingTo("0.02");
  }
}
