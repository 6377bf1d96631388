package io.catalogimage.simulator.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimClient;
import io.catalogimage.simulator.SimulatorConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The caption / alt-text convention agreed with the pipeline (see docs/simulator.md). */
class AltTextConventionTest {
  private static ProviderSimulator sim;
  private static SimClient client;

  @BeforeAll
  static void start() {
    sim = ProviderSimulator.start(SimulatorConfig.defaults().withTimeScale(0).withoutPeak());
    client = new SimClient(sim);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  private static String textPart(String prompt) {
    SimClient.Reply r =
        client.gemini("gemini-3.1-flash-image", SimClient.image(prompt, null, null));
    return r.parts().get(0).path("text").asString();
  }

  @Test
  void instruction_with_locales_yields_exactly_one_json_object_with_one_alt_text_per_locale()
      throws Exception {
    String text =
        textPart(
            "Red  ceramic mug,\n 350 ml, on oak\n\nReturn a caption and ALT TEXT IN EACH OF THESE"
                + " LOCALES: en, de, fr, es, ja, pt-BR. Keep it short.");

    JsonNode json = SimClient.JSON.readTree(text);
    assertThat(json.propertyNames()).containsExactly("caption", "altText");
    assertThat(json.path("caption").asString()).isEqualTo("Red ceramic mug, 350 ml, on oak");
    JsonNode alt = json.path("altText");
    assertThat(alt.propertyNames()).containsExactly("en", "de", "fr", "es", "ja", "pt-BR");
    assertThat(alt.path("en").asString())
        .isEqualTo("Product photo: Red ceramic mug, 350 ml, on oak");
    assertThat(alt.path("de").asString()).isEqualTo("Produktfoto: Red ceramic mug, 350 ml, on oak");
    assertThat(alt.path("fr").asString())
        .isEqualTo("Photo du produit : Red ceramic mug, 350 ml, on oak");
    assertThat(alt.path("es").asString())
        .isEqualTo("Foto del producto: Red ceramic mug, 350 ml, on oak");
    assertThat(alt.path("ja").asString()).isEqualTo("商品写真: Red ceramic mug, 350 ml, on oak");
    assertThat(alt.path("pt-BR").asString())
        .isEqualTo("[pt-BR] Product photo: Red ceramic mug, 350 ml, on oak");
  }

  @Test
  void regional_tags_use_their_language_text() throws Exception {
    JsonNode alt =
        SimClient.JSON
            .readTree(textPart("Sofa\n\nalt text in each of these locales: de-CH, en-GB"))
            .path("altText");

    assertThat(alt.path("de-CH").asString()).isEqualTo("Produktfoto: Sofa");
    assertThat(alt.path("en-GB").asString()).isEqualTo("Product photo: Sofa");
  }

  @Test
  void without_the_phrase_the_text_is_a_plain_sentence_about_the_product() {
    assertThat(textPart("Oak dining table\n\nStudio lighting, white background."))
        .isEqualTo("Here is the image: Oak dining table");
  }

  @Test
  void trigger_words_are_not_part_of_the_subject() throws Exception {
    JsonNode json =
        SimClient.JSON.readTree(
            textPart("Oak table [sim:SUCCESS]\n\nalt text in each of these locales: en"));

    assertThat(json.path("altText").path("en").asString()).isEqualTo("Product photo: Oak table");
  }

  @Test
  void the_caption_is_the_same_for_the_same_product_on_every_call() {
    String prompt = "Linen shirt\n\nalt text in each of these locales: en, de";
    assertThat(textPart(prompt)).isEqualTo(textPart(prompt));
  }
}
