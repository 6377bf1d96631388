package io.catalogimage.simulator.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimClient;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.png.PngTestSupport;
import java.net.http.HttpRequest;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class GeminiSuccessResponseTest {
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

  @Test
  void success_has_a_signed_text_part_then_a_signed_png_stop_and_model_version() {
    SimClient.Reply r =
        client.gemini("gemini-3.1-flash-image", SimClient.image("A blue backpack", "4:5", "1K"));

    assertThat(r.status()).isEqualTo(200);
    JsonNode candidate = r.body().path("candidates").path(0);
    assertThat(candidate.path("finishReason").asString()).isEqualTo("STOP");
    assertThat(candidate.path("content").path("role").asString()).isEqualTo("model");
    JsonNode parts = r.parts();
    assertThat(parts).hasSize(2);
    assertThat(parts.get(0).path("text").asString())
        .isEqualTo("Here is the image: A blue backpack");
    assertThat(parts.get(0).path("thoughtSignature").asString()).isNotEmpty();
    assertThat(parts.get(1).path("inlineData").path("mimeType").asString()).isEqualTo("image/png");
    assertThat(parts.get(1).path("thoughtSignature").asString()).isNotEmpty();
    assertThat(r.body().path("modelVersion").asString()).isEqualTo("gemini-3.1-flash-image");
    assertThat(r.body().path("responseId").asString()).hasSizeGreaterThan(10);
    var png = PngTestSupport.read(r.finalImages().get(0));
    assertThat(png.width()).isEqualTo(928);
    assertThat(png.height()).isEqualTo(1152);
  }

  @Test
  void usage_counts_image_tokens_from_the_table_plus_text_and_thoughts() {
    SimClient.Reply r =
        client.gemini("gemini-3.1-flash-image", SimClient.image("A blue backpack", "1:1", "4K"));

    JsonNode usage = r.body().path("usageMetadata");
    int text = (r.parts().get(0).path("text").asString().length() + 3) / 4;
    assertThat(usage.path("candidatesTokenCount").asInt()).isEqualTo(2520 + text);
    assertThat(usage.path("thoughtsTokenCount").asInt()).isBetween(100, 400);
    assertThat(usage.path("totalTokenCount").asInt())
        .isEqualTo(
            usage.path("promptTokenCount").asInt()
                + usage.path("candidatesTokenCount").asInt()
                + usage.path("thoughtsTokenCount").asInt());
    assertThat(usage.path("candidatesTokensDetails").path(0).path("modality").asString())
        .isEqualTo("IMAGE");
    assertThat(usage.path("candidatesTokensDetails").path(0).path("tokenCount").asInt())
        .isEqualTo(2520);
    assertThat(usage.path("promptTokensDetails").path(0).path("modality").asString())
        .isEqualTo("TEXT");
  }

  @Test
  void thoughts_token_count_is_deterministic_for_the_prompt() {
    int a =
        client
            .gemini("gemini-3-pro-image", SimClient.prompt("A green lamp"))
            .body()
            .path("usageMetadata")
            .path("thoughtsTokenCount")
            .asInt();
    int b =
        client
            .gemini("gemini-3-pro-image", SimClient.prompt("A green lamp"))
            .body()
            .path("usageMetadata")
            .path("thoughtsTokenCount")
            .asInt();
    assertThat(a).isEqualTo(b).isBetween(100, 400);
  }

  @Test
  void gemini_2_5_flash_image_has_no_thoughts_or_signatures_and_1290_image_tokens() {
    SimClient.Reply r =
        client.gemini("gemini-2.5-flash-image", SimClient.image("A red mug", "16:9", null));

    JsonNode usage = r.body().path("usageMetadata");
    assertThat(usage.has("thoughtsTokenCount")).isFalse();
    assertThat(usage.path("candidatesTokensDetails").path(0).path("tokenCount").asInt())
        .isEqualTo(1290);
    for (JsonNode part : r.parts()) {
      assertThat(part.has("thoughtSignature")).isFalse();
    }
    var png = PngTestSupport.read(r.finalImages().get(0));
    assertThat(png.width()).isEqualTo(1344);
  }

  @Test
  void input_images_count_258_tokens_on_2_5_and_560_on_3_x() {
    String b64 = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3});
    for (String model : new String[] {"gemini-2.5-flash-image", "gemini-3-pro-image"}) {
      ObjectNode body = SimClient.prompt("Put this on a table");
      ArrayNode parts = (ArrayNode) body.path("contents").path(0).path("parts");
      for (int i = 0; i < 2; i++) {
        ObjectNode inline = parts.addObject().putObject("inlineData");
        inline.put("mimeType", "image/png");
        inline.put("data", b64);
      }
      JsonNode usage = client.gemini(model, body).body().path("usageMetadata");
      int perImage = model.startsWith("gemini-2.5") ? 258 : 560;
      assertThat(usage.path("promptTokensDetails").path(1).path("modality").asString())
          .isEqualTo("IMAGE");
      assertThat(usage.path("promptTokensDetails").path(1).path("tokenCount").asInt())
          .isEqualTo(2 * perImage);
      assertThat(usage.path("promptTokenCount").asInt())
          .isEqualTo(
              2 * perImage + usage.path("promptTokensDetails").path(0).path("tokenCount").asInt());
    }
  }

  @Test
  void include_thoughts_adds_unsigned_thought_parts_before_the_final_parts_on_3_x() {
    ObjectNode body = SimClient.image("A yellow kettle", "1:1", "1K");
    ((ObjectNode) body.get("generationConfig"))
        .putObject("thinkingConfig")
        .put("includeThoughts", true)
        .put("thinkingLevel", "High");

    SimClient.Reply r = client.gemini("gemini-3.1-flash-image", body);

    JsonNode parts = r.parts();
    assertThat(parts).hasSize(4);
    assertThat(parts.get(0).path("thought").asBoolean()).isTrue();
    assertThat(parts.get(0).has("text")).isTrue();
    assertThat(parts.get(1).path("thought").asBoolean()).isTrue();
    assertThat(parts.get(1).has("inlineData")).isTrue();
    assertThat(parts.get(0).has("thoughtSignature")).isFalse();
    assertThat(parts.get(1).has("thoughtSignature")).isFalse();
    assertThat(parts.get(2).path("thoughtSignature").asString()).isNotEmpty();
    assertThat(parts.get(3).path("thoughtSignature").asString()).isNotEmpty();
    assertThat(r.finalImages()).hasSize(1);
  }

  @Test
  void realistic_mode_answers_a_real_size_png_in_the_same_json_shape() {
    sim.reconfigure(sim.config().withRealisticImages());
    try {
      SimClient.Reply r =
          client.gemini("gemini-3.1-flash-image", SimClient.image("A blue backpack", "1:1", "1K"));

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.parts()).hasSize(2);
      byte[] image = r.finalImages().get(0);
      var png = PngTestSupport.read(image);
      assertThat(png.width()).isEqualTo(1024);
      assertThat(png.height()).isEqualTo(1024);
      assertThat(image.length).isBetween(1_400_000, 1_700_000);
      assertThat(r.body().path("usageMetadata").path("candidatesTokenCount").asInt()).isPositive();
    } finally {
      sim.reconfigure(sim.config().withSmallImages());
    }
  }

  @Test
  void image_only_modality_has_no_text_part() {
    ObjectNode body = SimClient.prompt("A yellow kettle");
    body.putObject("generationConfig").putArray("responseModalities").add("IMAGE");

    SimClient.Reply r = client.gemini("gemini-3-pro-image", body);

    assertThat(r.parts()).hasSize(1);
    assertThat(r.parts().get(0).has("inlineData")).isTrue();
  }

  @Test
  void defaults_are_1k_and_1_1_when_image_config_is_omitted() {
    SimClient.Reply r = client.gemini("gemini-3-pro-image", SimClient.prompt("A kettle"));

    var png = PngTestSupport.read(r.finalImages().get(0));
    assertThat(png.width()).isEqualTo(1024);
    assertThat(png.height()).isEqualTo(1024);
  }

  @Test
  void different_products_get_different_palettes() {
    byte[] a =
        client.gemini("gemini-3-pro-image", SimClient.prompt("A kettle")).finalImages().get(0);
    byte[] b =
        client.gemini("gemini-3-pro-image", SimClient.prompt("A teapot")).finalImages().get(0);

    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void stream_generate_content_with_alt_sse_answers_one_data_event() {
    var r =
        client.raw(
            HttpRequest.newBuilder(
                    client.uri("/v1beta/models/gemini-3-pro-image:streamGenerateContent?alt=sse"))
                .header("x-goog-api-key", SimClient.KEY)
                .POST(
                    HttpRequest.BodyPublishers.ofString(SimClient.prompt("A kettle").toString())));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("text/event-stream");
    assertThat(r.raw()).startsWith("data: {\"candidates\"").endsWith("\r\n\r\n");
  }
}
