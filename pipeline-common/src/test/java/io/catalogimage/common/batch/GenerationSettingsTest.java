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
  void values_outside_the_allowed_sets_are_named() {
    assertThat(new GenerationSettings("max", null, null, "webp", "ultra", " ").invalidValues())
        .extracting(p -> p.substring(0, p.indexOf(':')))
        .containsExactly("thinkingLevel", "outputFormat", "quality", "personGeneration");
  }
}
