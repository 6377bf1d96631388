package io.catalogimage.simulator.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimClient;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.AliasMode;
import io.catalogimage.simulator.png.PngTestSupport;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.node.ObjectNode;

class GeminiRequestValidationTest {
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
  void unknown_api_key_is_400_invalid_argument_with_error_info_api_key_invalid() {
    SimClient.Reply r = client.gemini("gemini-3-pro-image", SimClient.prompt("mug"), "wrong");

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("code").asInt()).isEqualTo(400);
    assertThat(r.error().path("status").asString()).isEqualTo("INVALID_ARGUMENT");
    assertThat(r.error().path("message").asString())
        .isEqualTo("API key not valid. Please pass a valid API key.");
    assertThat(r.error().path("details").path(0).path("@type").asString())
        .isEqualTo("type.googleapis.com/google.rpc.ErrorInfo");
    assertThat(r.error().path("details").path(0).path("reason").asString())
        .isEqualTo("API_KEY_INVALID");
    assertThat(r.error().path("details").path(0).path("domain").asString())
        .isEqualTo("googleapis.com");
  }

  @Test
  void missing_api_key_is_403_permission_denied() {
    SimClient.Reply r = client.gemini("gemini-3-pro-image", SimClient.prompt("mug"), null);

    assertThat(r.status()).isEqualTo(403);
    assertThat(r.error().path("status").asString()).isEqualTo("PERMISSION_DENIED");
  }

  @Test
  void key_is_accepted_as_a_query_parameter() {
    SimClient.Reply r =
        client.raw(
            HttpRequest.newBuilder(
                    client.uri("/v1beta/models/gemini-2.5-flash-image:generateContent?key=sim-key"))
                .POST(HttpRequest.BodyPublishers.ofString(SimClient.prompt("mug").toString())));

    assertThat(r.status()).isEqualTo(200);
  }

  @Test
  void unknown_model_is_404_not_found_with_googles_wording() {
    SimClient.Reply r = client.gemini("gemini-9-ultra-image", SimClient.prompt("mug"));

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.error().path("status").asString()).isEqualTo("NOT_FOUND");
    assertThat(r.error().path("message").asString())
        .startsWith(
            "models/gemini-9-ultra-image is not found for API version v1beta, or is not supported"
                + " for generateContent");
  }

  @Test
  void preview_id_is_remapped_to_the_ga_model_by_default() {
    SimClient.Reply r = client.gemini("gemini-3.1-flash-image-preview", SimClient.prompt("mug"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().path("modelVersion").asString()).isEqualTo("gemini-3.1-flash-image");
  }

  @Test
  void preview_id_is_404_in_not_found_alias_mode() {
    try (ProviderSimulator strict =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withTimeScale(0)
                .withoutPeak()
                .withAliasMode(AliasMode.NOT_FOUND))) {
      SimClient.Reply r =
          new SimClient(strict).gemini("gemini-3-pro-image-preview", SimClient.prompt("mug"));

      assertThat(r.status()).isEqualTo(404);
      assertThat(r.error().path("message").asString())
          .startsWith("models/gemini-3-pro-image-preview is not found for API version v1beta");
    }
  }

  @ParameterizedTest(name = "{0} imageSize={1}")
  @CsvSource({
    "gemini-3.1-flash-image, 1k",
    "gemini-3.1-flash-image, 512px",
    "gemini-3.1-flash-image, 0.5K",
    "gemini-3.1-flash-image, 8K",
    "gemini-3-pro-image, 512",
    "gemini-2.5-flash-image, 2K"
  })
  void image_size_must_be_exactly_one_the_model_supports(String model, String size) {
    SimClient.Reply r = client.gemini(model, SimClient.image("mug", "1:1", size));

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("status").asString()).isEqualTo("INVALID_ARGUMENT");
    assertThat(r.error().path("message").asString()).contains(size).contains("Supported values");
  }

  @Test
  void lenient_image_size_mode_serves_1k_instead_of_400() {
    try (ProviderSimulator lenient =
        ProviderSimulator.start(
            SimulatorConfig.defaults().withTimeScale(0).withoutPeak().withLenientImageSize(true))) {
      SimClient.Reply r =
          new SimClient(lenient)
              .gemini("gemini-3.1-flash-image", SimClient.image("mug", "1:1", "512px"));

      assertThat(r.status()).isEqualTo(200);
      assertThat(PngTestSupport.read(r.finalImages().get(0)).width()).isEqualTo(1024);
    }
  }

  @ParameterizedTest(name = "{0} aspectRatio={1}")
  @CsvSource({
    "gemini-3-pro-image, 1:4",
    "gemini-2.5-flash-image, 8:1",
    "gemini-3.1-flash-image, 7:3",
    "gemini-3.1-flash-image, 16x9"
  })
  void aspect_ratio_must_be_in_the_models_set(String model, String ratio) {
    SimClient.Reply r = client.gemini(model, SimClient.image("mug", ratio, null));

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("message").asString()).contains(ratio);
  }

  @Test
  void thinking_config_on_2_5_flash_image_is_rejected() {
    ObjectNode body = SimClient.image("mug", null, null);
    ((ObjectNode) body.get("generationConfig"))
        .putObject("thinkingConfig")
        .put("includeThoughts", true);

    SimClient.Reply r = client.gemini("gemini-2.5-flash-image", body);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("message").asString())
        .isEqualTo("Thinking is not enabled for models/gemini-2.5-flash-image");
  }

  @Test
  void missing_contents_is_400() {
    SimClient.Reply r = client.gemini("gemini-3-pro-image", SimClient.JSON.createObjectNode());

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("message").asString()).contains("contents is not specified");
  }

  @Test
  void malformed_json_is_400() {
    SimClient.Reply r =
        client.raw(
            HttpRequest.newBuilder(client.uri("/v1beta/models/gemini-3-pro-image:generateContent"))
                .header("x-goog-api-key", SimClient.KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"contents\": [")));

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("message").asString()).startsWith("Invalid JSON payload received.");
  }

  @Test
  void unknown_response_modality_is_400() {
    ObjectNode body = SimClient.prompt("mug");
    body.putObject("generationConfig").putArray("responseModalities").add("PICTURE");

    SimClient.Reply r = client.gemini("gemini-3-pro-image", body);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("message").asString()).contains("response_modalities[0]");
  }

  @Test
  void snake_case_request_fields_are_accepted() throws Exception {
    String body =
        """
        {"contents":[{"role":"user","parts":[{"text":"mug"}]}],
         "generation_config":{"response_modalities":["IMAGE"],
                              "image_config":{"aspect_ratio":"16:9","image_size":"2K"}}}
        """;
    SimClient.Reply r = client.gemini("gemini-3-pro-image", SimClient.JSON.readTree(body));

    assertThat(r.status()).isEqualTo(200);
    var png = PngTestSupport.read(r.finalImages().get(0));
    assertThat(png.width()).isEqualTo(2752);
    assertThat(png.height()).isEqualTo(1536);
  }
}
