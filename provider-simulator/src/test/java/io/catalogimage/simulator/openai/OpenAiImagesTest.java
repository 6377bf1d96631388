package io.catalogimage.simulator.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimClient;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.png.PngTestSupport;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class OpenAiImagesTest {
  private static final String GENERATIONS = "/v1/images/generations";
  private static final String EDITS = "/v1/images/edits";
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

  private static byte[] firstImage(SimClient.Reply r) {
    return Base64.getDecoder().decode(r.body().path("data").path(0).path("b64_json").asString());
  }

  @Test
  void unknown_key_is_401_invalid_api_key_with_a_masked_key() {
    SimClient.Reply r =
        client.openai(GENERATIONS, SimClient.generation("gpt-image-1", "mug"), "sk-wrong-key-1234");

    assertThat(r.status()).isEqualTo(401);
    assertThat(r.error().path("code").asString()).isEqualTo("invalid_api_key");
    assertThat(r.error().path("type").asString()).isEqualTo("invalid_request_error");
    assertThat(r.error().has("param")).isTrue();
    assertThat(r.error().path("message").asString())
        .startsWith("Incorrect API key provided: sk-**********1234.");
    assertThat(r.header("x-request-id")).startsWith("req_");
  }

  @Test
  void missing_key_is_401() {
    SimClient.Reply r =
        client.openai(GENERATIONS, SimClient.generation("gpt-image-1", "mug"), null);

    assertThat(r.status()).isEqualTo(401);
    assertThat(r.error().path("message").asString()).startsWith("You didn't provide an API key.");
  }

  @ParameterizedTest(name = "{0} {1} -> {2} output tokens")
  @CsvSource({
    "1024x1024, low, 272",
    "1024x1024, medium, 1056",
    "1024x1024, high, 4160",
    "1024x1024, auto, 4160",
    "1536x1024, low, 408",
    "1024x1536, medium, 1584",
    "1536x1024, high, 6240",
    "auto, auto, 4160"
  })
  void generation_returns_a_png_of_the_requested_size_and_tokens_from_the_table(
      String size, String quality, int tokens) throws Exception {
    ObjectNode body = SimClient.generation("gpt-image-1", "A leather wallet");
    body.put("size", size);
    body.put("quality", quality);

    SimClient.Reply r = client.openai(GENERATIONS, body);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-request-id")).startsWith("req_");
    JsonNode usage = r.body().path("usage");
    assertThat(usage.path("output_tokens").asInt()).isEqualTo(tokens);
    assertThat(usage.path("total_tokens").asInt())
        .isEqualTo(usage.path("input_tokens").asInt() + tokens);
    assertThat(usage.path("input_tokens_details").path("text_tokens").asInt()).isPositive();
    String served = size.equals("auto") ? "1024x1024" : size;
    assertThat(r.body().path("size").asString()).isEqualTo(served);
    assertThat(r.body().path("output_format").asString()).isEqualTo("png");
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(firstImage(r)));
    assertThat(img.getWidth() + "x" + img.getHeight()).isEqualTo(served);
  }

  @Test
  void n_returns_that_many_images_and_multiplies_output_tokens() {
    ObjectNode body = SimClient.generation("gpt-image-1-mini", "A leather wallet");
    body.put("n", 3);
    body.put("quality", "low");

    SimClient.Reply r = client.openai(GENERATIONS, body);

    assertThat(r.body().path("data")).hasSize(3);
    assertThat(r.body().path("usage").path("output_tokens").asInt()).isEqualTo(3 * 272);
  }

  @Test
  void jpeg_output_format_returns_a_jpeg() {
    ObjectNode body = SimClient.generation("gpt-image-1.5", "A leather wallet");
    body.put("output_format", "jpeg");

    byte[] img = firstImage(client.openai(GENERATIONS, body));

    assertThat(img[0]).isEqualTo((byte) 0xFF);
    assertThat(img[1]).isEqualTo((byte) 0xD8);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "size, 512x512",
    "size, 1792x1024",
    "quality, hd",
    "n, 11",
    "n, 0",
    "output_format, gif",
    "background, purple"
  })
  void invalid_values_are_400_invalid_value_naming_the_param(String param, String value) {
    ObjectNode body = SimClient.generation("gpt-image-1", "mug");
    body.put(param, value);

    SimClient.Reply r = client.openai(GENERATIONS, body);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("type").asString()).isEqualTo("invalid_request_error");
    assertThat(r.error().path("code").asString()).isEqualTo("invalid_value");
    assertThat(r.error().path("param").asString()).isEqualTo(param);
    assertThat(r.error().path("message").asString()).contains(value);
  }

  @Test
  void webp_is_400_because_the_simulator_does_not_encode_it() {
    ObjectNode body = SimClient.generation("gpt-image-1", "mug");
    body.put("output_format", "webp");

    SimClient.Reply r = client.openai(GENERATIONS, body);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("param").asString()).isEqualTo("output_format");
    assertThat(r.error().path("message").asString()).contains("simulator does not encode");
  }

  @Test
  void response_format_is_rejected_for_gpt_image_models() {
    ObjectNode body = SimClient.generation("gpt-image-1", "mug");
    body.put("response_format", "b64_json");

    SimClient.Reply r = client.openai(GENERATIONS, body);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("param").asString()).isEqualTo("response_format");
  }

  @Test
  void transparent_background_with_jpeg_is_400() {
    ObjectNode body = SimClient.generation("gpt-image-1", "mug");
    body.put("background", "transparent");
    body.put("output_format", "jpeg");

    assertThat(client.openai(GENERATIONS, body).status()).isEqualTo(400);
  }

  @Test
  void missing_prompt_is_400_missing_required_parameter() {
    ObjectNode body = SimClient.JSON.createObjectNode().put("model", "gpt-image-1");

    SimClient.Reply r = client.openai(GENERATIONS, body);

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("code").asString()).isEqualTo("missing_required_parameter");
    assertThat(r.error().path("param").asString()).isEqualTo("prompt");
  }

  @Test
  void unknown_model_is_404_model_not_found() {
    SimClient.Reply r = client.openai(GENERATIONS, SimClient.generation("dall-e-9", "mug"));

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.error().path("code").asString()).isEqualTo("model_not_found");
  }

  @Test
  void multipart_edit_with_several_image_files_returns_an_image_and_counts_input_images() {
    String boundary = "----simtest";
    StringBuilder sb = new StringBuilder();
    for (String name : new String[] {"image[]", "image[]"}) {
      sb.append("--")
          .append(boundary)
          .append("\r\n")
          .append("Content-Disposition: form-data; name=\"")
          .append(name)
          .append("\"; filename=\"in.png\"\r\nContent-Type: image/png\r\n\r\n")
          .append("PNGDATA\r\n");
    }
    for (String[] f :
        new String[][] {
          {"prompt", "Put the bag on a beach"}, {"model", "gpt-image-1"}, {"size", "1024x1536"}
        }) {
      sb.append("--")
          .append(boundary)
          .append("\r\n")
          .append("Content-Disposition: form-data; name=\"")
          .append(f[0])
          .append("\"\r\n\r\n")
          .append(f[1])
          .append("\r\n");
    }
    sb.append("--").append(boundary).append("--\r\n");

    SimClient.Reply r =
        client.raw(
            HttpRequest.newBuilder(client.uri(EDITS))
                .header("Authorization", "Bearer " + SimClient.KEY)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(sb.toString(), StandardCharsets.UTF_8)));

    assertThat(r.status()).isEqualTo(200);
    assertThat(PngTestSupport.read(firstImage(r)).height()).isEqualTo(1536);
    assertThat(r.body().path("usage").path("input_tokens_details").path("image_tokens").asInt())
        .isEqualTo(2 * 256);
  }

  @Test
  void json_edit_with_image_urls_is_accepted() {
    ObjectNode body = SimClient.generation("gpt-image-1.5", "Recolour to navy");
    body.putArray("images").addObject().put("image_url", "data:image/png;base64,AAAA");

    SimClient.Reply r = client.openai(EDITS, body);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().path("usage").path("input_tokens_details").path("image_tokens").asInt())
        .isEqualTo(256);
  }

  @Test
  void edit_without_an_image_is_400() {
    SimClient.Reply r = client.openai(EDITS, SimClient.generation("gpt-image-1.5", "Recolour"));

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().path("param").asString()).isEqualTo("image");
  }

  @Test
  void safety_block_is_400_moderation_blocked_with_details_and_the_request_id() {
    SimClient.Reply r =
        client.openai(GENERATIONS, SimClient.generation("gpt-image-1", "mug [sim:IMAGE_SAFETY]"));

    assertThat(r.status()).isEqualTo(400);
    JsonNode e = r.error();
    assertThat(e.path("type").asString()).isEqualTo("image_generation_user_error");
    assertThat(e.path("code").asString()).isEqualTo("moderation_blocked");
    assertThat(e.path("moderation_details").path("moderation_stage").asString())
        .isEqualTo("output");
    assertThat(e.path("moderation_details").path("categories")).hasSize(1);
    assertThat(e.path("message").asString())
        .startsWith("Your request was rejected by the safety system.")
        .contains(r.header("x-request-id"));
  }

  @Test
  void prompt_blocked_is_moderation_at_the_input_stage() {
    SimClient.Reply r =
        client.openai(GENERATIONS, SimClient.generation("gpt-image-1", "mug [sim:PROMPT_BLOCKED]"));

    assertThat(r.error().path("moderation_details").path("moderation_stage").asString())
        .isEqualTo("input");
  }

  @Test
  void insufficient_quota_is_a_429_without_retry_headers() {
    SimClient.Reply r =
        client.openai(
            GENERATIONS, SimClient.generation("gpt-image-1", "mug [sim:INSUFFICIENT_QUOTA]"));

    assertThat(r.status()).isEqualTo(429);
    assertThat(r.error().path("code").asString()).isEqualTo("insufficient_quota");
    assertThat(r.error().path("type").asString()).isEqualTo("insufficient_quota");
    assertThat(r.header("retry-after")).isNull();
  }

  @Test
  void forced_rate_limit_is_429_rate_limit_exceeded_with_retry_headers() {
    SimClient.Reply r =
        client.openai(GENERATIONS, SimClient.generation("gpt-image-1", "mug [sim:RATE_LIMITED]"));

    assertThat(r.status()).isEqualTo(429);
    assertThat(r.error().path("code").asString()).isEqualTo("rate_limit_exceeded");
    assertThat(r.header("retry-after")).matches("\\d+");
    assertThat(r.header("retry-after-ms")).matches("\\d+");
  }

  @ParameterizedTest
  @CsvSource({"HTTP_500, 500", "HTTP_503, 503"})
  void server_errors_use_openais_shape(String kind, int status) {
    SimClient.Reply r =
        client.openai(GENERATIONS, SimClient.generation("gpt-image-1", "mug [sim:" + kind + "]"));

    assertThat(r.status()).isEqualTo(status);
    assertThat(r.error().path("type").asString()).isEqualTo("server_error");
    assertThat(r.error().has("code")).isTrue();
    assertThat(r.header("x-request-id")).startsWith("req_");
  }

  @Test
  void size_ignored_serves_1024_square_but_echoes_the_requested_size() {
    ObjectNode body = SimClient.generation("gpt-image-1", "mug [sim:SIZE_IGNORED]");
    body.put("size", "1536x1024");

    SimClient.Reply r = client.openai(GENERATIONS, body);

    assertThat(r.body().path("size").asString()).isEqualTo("1536x1024");
    assertThat(PngTestSupport.read(firstImage(r)).width()).isEqualTo(1024);
  }

  @Test
  void unknown_path_is_404_invalid_url() {
    SimClient.Reply r =
        client.openai("/v1/images/variations2", SimClient.generation("gpt-image-1", "x"));

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.error().path("message").asString()).startsWith("Invalid URL");
  }
}
