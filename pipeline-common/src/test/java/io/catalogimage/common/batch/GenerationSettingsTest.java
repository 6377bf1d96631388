package io.catalogimage.common.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.model.ModelCatalog;
import org.junit.jupiter.api.Test;

class GenerationSettingsTest {

  private static final ModelCatalog CATALOG = ModelCatalog.defaults();

  @Test
  void thinking_and_search_are_for_gemini_3_models_only() {
    GenerationSettings s = new GenerationSettings("high", true, true, null, null, null);
    assertThat(s.unsupportedBy(CATALOG.require("gemini-3.1-flash-image"))).isEmpty();
    assertThat(s.unsupportedBy(CATALOG.require("gemini-3-pro-image"))).isEmpty();
    assertThat(s.unsupportedBy(CATALOG.require("gemini-2.5-flash-image")))
        .containsExactly("thinkingLevel", "includeThoughts", "googleSearch");
    assertThat(s.unsupportedBy(CATALOG.require("gpt-image-1.5")))
        .containsExactly("thinkingLevel", "includeThoughts", "googleSearch");
  }

  @Test
  void output_format_and_quality_are_for_openai_and_person_generation_for_none() {
    GenerationSettings s = new GenerationSettings(null, null, null, "jpeg", "high", "allow_adult");
    assertThat(s.unsupportedBy(CATALOG.require("gpt-image-1.5")))
        .containsExactly("personGeneration");
    assertThat(s.unsupportedBy(CATALOG.require("gemini-3-pro-image")))
        .containsExactly("outputFormat", "quality", "personGeneration");
    assertThat(GenerationSettings.NONE.unsupportedBy(CATALOG.require("gemini-3-pro-image")))
        .isEmpty();
  }

  @Test
  void a_batch_overrides_its_tiers_settings_field_by_field() {
    GenerationSettings tier = new GenerationSettings("low", false, true, null, null, null);
    GenerationSettings batch = new GenerationSettings("high", null, null, null, null, null);
    assertThat(tier.overriddenBy(batch))
        .isEqualTo(new GenerationSettings("high", false, true, null, null, null));
    assertThat(tier.overriddenBy(null)).isEqualTo(tier);
  }

  @Test
  void tier_settings_a_model_of_the_tier_does_not_take_stop_the_start() {
    var props =
        new io.catalogimage.common.catalog.CatalogProperties(
            null,
            java.util.Map.of("mixed", java.util.List.of("gemini-3-pro-image", "gpt-image-1.5")),
            java.util.Map.of(
                "mixed", new GenerationSettings("high", null, null, null, null, null)));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new io.catalogimage.common.catalog.Tiers(props, CATALOG))
        .hasMessage(
            "pipeline.catalog.tier-settings.mixed: thinkingLevel not supported by gpt-image-1.5,"
                + " a model of the tier");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new io.catalogimage.common.catalog.CatalogProperties(
                    null,
                    null,
                    java.util.Map.of(
                        "nope", new GenerationSettings("high", null, null, null, null, null))))
        .hasMessageContaining("tier-settings.nope: no such tier");
  }

  @Test
  void values_outside_the_allowed_sets_are_named() {
    assertThat(new GenerationSettings("max", null, null, "webp", "ultra", " ").invalidValues())
        .extracting(p -> p.substring(0, p.indexOf(':')))
        .containsExactly("thinkingLevel", "outputFormat", "quality", "personGeneration");
  }
}
