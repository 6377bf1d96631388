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
    String name = "Red ceramic mug, 350 ml, on oak";
    assertThat(alt.path("en").asString())
        .isEqualTo(name + " on a plain white background, seen from the front in soft light");
    assertThat(alt.path("de").asString())
        .isEqualTo(name + " auf einem schlichten weißen Hintergrund, von vorne gesehen");
    assertThat(alt.path("fr").asString())
        .isEqualTo(name + " sur un fond blanc uni, vu de face dans une lumière douce");
    assertThat(alt.path("es").asString())
        .isEqualTo(name + " sobre un fondo blanco liso, visto de frente con luz suave");
    assertThat(alt.path("ja").asString()).isEqualTo("無地の白い背景に置かれた" + name + "、柔らかな光で正面から見たところ");
    assertThat(alt.path("pt-BR").asString())
        .isEqualTo(name + " sobre um fundo branco liso, visto de frente com luz suave");
  }

  @Test
  void regional_tags_use_their_language_text() throws Exception {
    JsonNode alt =
        SimClient.JSON
            .readTree(textPart("Sofa\n\nalt text in each of these locales: de-CH, en-GB"))
            .path("altText");

    assertThat(alt.path("de-CH").asString()).startsWith("Sofa auf einem");
    assertThat(alt.path("en-GB").asString()).startsWith("Sofa on a plain");
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

    assertThat(json.path("altText").path("en").asString()).startsWith("Oak table on a plain");
  }

  @Test
  void the_caption_is_the_same_for_the_same_product_on_every_call() {
    String prompt = "Linen shirt\n\nalt text in each of these locales: en, de";
    assertThat(textPart(prompt)).isEqualTo(textPart(prompt));
  }

  @Test
  void the_alt_text_names_the_product_the_instruction_names_within_125_characters()
      throws Exception {
    JsonNode alt =
        SimClient.JSON
            .readTree(
                textPart(
                    "Professional e-commerce product photo of Walnut desk organiser, on a clean"
                        + " white background\n\nName the product \"Walnut desk organiser\" in"
                        + " each; alt text in each of these locales: en, de, pl"))
            .path("altText");
    assertThat(alt.path("en").asString())
        .startsWith("Walnut desk organiser on a plain")
        .hasSizeLessThanOrEqualTo(125);
    assertThat(alt.path("pl").asString()).startsWith("Walnut desk organiser na gładkim");
  }

  @Test
  void alt_text_faults_come_on_trigger_words_for_the_first_calls_only() throws Exception {
    String base = "Oak stool\n\nalt text in each of these locales: en, de, ja";
    JsonNode wrong =
        SimClient.JSON.readTree(
            textPart("Oak stool [sim:ALT_WRONG_LANGUAGE:1]" + base.substring(9)));
    assertThat(wrong.path("altText").path("de").asString()).startsWith("Oak stool on a plain");
    assertThat(textPart("Oak stool [sim:ALT_PROSE]" + base.substring(9)))
        .startsWith("Here is the image: Oak stool");
    JsonNode missing =
        SimClient.JSON.readTree(textPart("Oak stool [sim:ALT_MISSING_LOCALE]" + base.substring(9)));
    assertThat(missing.path("altText").propertyNames()).containsExactly("en", "de");
    JsonNode tooLong =
        SimClient.JSON.readTree(textPart("Oak stool [sim:ALT_TOO_LONG]" + base.substring(9)));
    assertThat(tooLong.path("altText").path("en").asString().length()).isGreaterThan(125);
    JsonNode echo =
        SimClient.JSON.readTree(textPart("Oak stool [sim:ALT_ECHO]" + base.substring(9)));
    assertThat(echo.path("altText").path("en").asString()).contains("write one JSON object");
    // the second call of the same prompt is right again
    String once = "Oak bench [sim:ALT_WRONG_LANGUAGE:1]\n\nalt text in each of these locales: de";
    assertThat(textPart(once)).contains("Oak bench on a plain");
    assertThat(textPart(once)).contains("Oak bench auf einem");
  }

  @Test
  void the_vision_model_describes_an_inline_image_in_text_only() throws Exception {
    var body =
        SimClient.prompt(
            "Oak stool [sim:ALT_TOO_LONG:1@gemini-2.5-flash]\n\nDescribe the image; name the"
                + " product \"Oak stool\"; alt text in each of these locales: en, fr");
    var parts = (tools.jackson.databind.node.ArrayNode) body.path("contents").get(0).path("parts");
    parts
        .addObject()
        .putObject("inlineData")
        .put("mimeType", "image/png")
        .put("data", "iVBORw0KGgo=");
    body.putObject("generationConfig").putArray("responseModalities").add("TEXT");
    SimClient.Reply first = client.gemini("gemini-2.5-flash", body);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.outcome()).isEqualTo("ALT_TOO_LONG");
    SimClient.Reply second = client.gemini("gemini-2.5-flash", body);
    assertThat(second.parts()).hasSize(1);
    JsonNode alt =
        SimClient.JSON.readTree(second.parts().get(0).path("text").asString()).path("altText");
    assertThat(alt.path("fr").asString()).startsWith("Oak stool sur un fond blanc");
    assertThat(second.body().path("usageMetadata").path("promptTokenCount").asInt())
        .isGreaterThan(258);

    var noImage = SimClient.prompt("Describe it; alt text in each of these locales: en");
    assertThat(client.gemini("gemini-2.5-flash", noImage).status()).isEqualTo(400);
  }

  @Test
  void the_openai_compatible_vision_model_answers_a_chat_completion_about_an_inline_image()
      throws Exception {
    var body = SimClient.JSON.createObjectNode();
    body.put("model", "gpt-4.1-mini");
    var content = body.putArray("messages").addObject().put("role", "user").putArray("content");
    content
        .addObject()
        .put("type", "text")
        .put(
            "text",
            "Oak shelf [sim:ALT_ECHO:1@gpt-4.1-mini]\n\nname the product \"Oak shelf\";"
                + " alt text in each of these locales: en, es");
    content
        .addObject()
        .put("type", "image_url")
        .putObject("image_url")
        .put("url", "data:image/png;base64,iVBORw0KGgo=");
    SimClient.Reply first = client.openai("/v1/chat/completions", body);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.outcome()).isEqualTo("ALT_ECHO");
    SimClient.Reply second = client.openai("/v1/chat/completions", body);
    JsonNode alt =
        SimClient.JSON
            .readTree(
                second.body().path("choices").get(0).path("message").path("content").asString())
            .path("altText");
    assertThat(alt.path("es").asString()).startsWith("Oak shelf sobre un fondo blanco");
    assertThat(second.body().path("usage").path("prompt_tokens").asInt()).isGreaterThan(85);

    ((tools.jackson.databind.node.ArrayNode) content).remove(1);
    assertThat(client.openai("/v1/chat/completions", body).status()).isEqualTo(400);
    body.put("model", "gpt-9-imaginary");
    assertThat(client.openai("/v1/chat/completions", body).status()).isEqualTo(404);
  }
}
