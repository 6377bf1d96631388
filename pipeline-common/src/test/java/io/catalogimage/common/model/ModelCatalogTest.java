package io.catalogimage.common.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The shipped catalog against the reference tables (image-apis.md §1.4). */
class ModelCatalogTest {

  private final ModelCatalog catalog = ModelCatalog.defaults();

  @Test
  void nano_banana_2_has_the_extreme_ratios_and_512_that_others_lack() {
    ImageModel nb2 = catalog.require("gemini-3.1-flash-image");
    assertThat(nb2.dimensions("512", "21:9")).contains(new Dimensions(792, 168));
    assertThat(nb2.dimensions("4K", "8:1")).contains(new Dimensions(12288, 1536));
    assertThat(nb2.dimensions("2K", "4:1")).contains(new Dimensions(4096, 1024));
    assertThat(nb2.aspectRatios()).hasSize(14);
    assertThat(catalog.require("gemini-3-pro-image").supports("2K", "4:1")).isFalse();
    assertThat(catalog.require("gemini-3-pro-image").supports("512", "1:1")).isFalse();
  }

  @Test
  void nano_banana_1_makes_1k_only() {
    ImageModel nb1 = catalog.require("gemini-2.5-flash-image");
    assertThat(nb1.sizes().keySet()).containsExactly("1K");
    assertThat(nb1.dimensions("1K", "16:9")).contains(new Dimensions(1344, 768));
    assertThat(nb1.outputTokens("1K")).isEqualTo(1290);
  }

  @Test
  void retired_preview_ids_resolve_to_the_ga_model() {
    assertThat(catalog.require("gemini-3-pro-image-preview").id()).isEqualTo("gemini-3-pro-image");
    assertThat(catalog.require("gemini-3.1-flash-image-preview").id())
        .isEqualTo("gemini-3.1-flash-image");
  }

  @Test
  void pro_tokens_follow_the_documented_table() {
    ImageModel pro = catalog.require("gemini-3-pro-image");
    assertThat(pro.outputTokens("1K")).isEqualTo(1120);
    assertThat(pro.outputTokens("2K")).isEqualTo(1120);
    assertThat(pro.outputTokens("4K")).isEqualTo(2000);
  }
}
