package io.catalogimage.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.genai.Client;
import com.google.genai.errors.ApiException;
import com.google.genai.errors.ClientException;
import com.google.genai.types.Candidate;
import com.google.genai.types.Content;
import com.google.genai.types.FinishReason;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.google.genai.types.ImageConfig;
import com.google.genai.types.Model;
import com.google.genai.types.Part;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.images.ImageEditParams;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.images.ImageModel;
import com.openai.models.images.ImagesResponse;
import io.catalogimage.simulator.png.PngTestSupport;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official SDKs, pointed at the simulator, must parse its answers exactly as they parse the
 * real providers': success payloads, blocks, and 429s as the SDKs' own exception types.
 */
class SdkConformanceTest {
  private static ProviderSimulator sim;
  private static Client gemini;
  private static OpenAIClient openai;

  @BeforeAll
  static void start() {
    sim =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withTimeScale(0)
                .withoutPeak()
                .withQuota("default", "gemini-2.5-flash-image", 1, 100, 1000)
                .withQuota("default", "gpt-image-1-mini", 1, 100, 1000));
    gemini =
        Client.builder()
            .apiKey(SimulatorConfig.DEFAULT_KEY)
            .httpOptions(
                HttpOptions.builder()
                    .baseUrl(sim.baseUri().toString())
                    .retryOptions(HttpRetryOptions.builder().attempts(1).build())
                    .build())
            .build();
    openai =
        OpenAIOkHttpClient.builder()
            .apiKey(SimulatorConfig.DEFAULT_KEY)
            .baseUrl(sim.baseUri() + "/v1")
            .maxRetries(0)
            .build();
  }

  @AfterAll
  static void stop() throws Exception {
    gemini.close();
    openai.close();
    sim.close();
  }

  @Test
  void google_genai_sdk_generates_an_image_and_its_alt_text() throws Exception {
    GenerateContentResponse response =
        gemini.models.generateContent(
            "gemini-3.1-flash-image",
            "Walnut desk organiser\n\nalt text in each of these locales: en, de",
            GenerateContentConfig.builder()
                .responseModalities("TEXT", "IMAGE")
                .imageConfig(ImageConfig.builder().aspectRatio("16:9").imageSize("2K").build())
                .build());

    assertThat(response.finishReason().knownEnum()).isEqualTo(FinishReason.Known.STOP);
    assertThat(response.modelVersion()).contains("gemini-3.1-flash-image");
    assertThat(response.text())
        .contains("\"de\":\"Walnut desk organiser auf einem schlichten weißen Hintergrund");
    List<Part> images =
        response.parts().stream()
            .filter(p -> p.inlineData().isPresent() && !p.thought().orElse(false))
            .toList();
    assertThat(images).hasSize(1);
    assertThat(images.get(0).thoughtSignature()).isPresent();
    byte[] png = images.get(0).inlineData().get().data().orElseThrow();
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    assertThat(img.getWidth()).isEqualTo(2752);
    assertThat(img.getHeight()).isEqualTo(1536);
    assertThat(response.usageMetadata().orElseThrow().thoughtsTokenCount()).isPresent();
  }

  @Test
  void google_genai_sdk_reads_an_image_safety_block() {
    GenerateContentResponse response =
        gemini.models.generateContent(
            "gemini-3-pro-image", "Cotton hoodie [sim:IMAGE_SAFETY]", null);

    assertThat(response.finishReason().knownEnum()).isEqualTo(FinishReason.Known.IMAGE_SAFETY);
    Candidate candidate = response.candidates().orElseThrow().get(0);
    assertThat(candidate.content().flatMap(Content::parts)).isEmpty();
    // google-genai Java 2.0.0 does not copy finishMessage from the wire (its converter has no
    // such field), so a pipeline on this SDK cannot record it; raw HTTP clients can.
    assertThat(response.usageMetadata().orElseThrow().thoughtsTokenCount()).isPresent();
  }

  @Test
  void google_genai_sdk_raises_its_own_exception_with_code_429_on_a_quota_violation() {
    gemini.models.generateContent("gemini-2.5-flash-image", "Mug one", null);

    ClientException e =
        catchThrowableOfType(
            ClientException.class,
            () -> gemini.models.generateContent("gemini-2.5-flash-image", "Mug two", null));

    assertThat(e).isInstanceOf(ApiException.class);
    assertThat(e.code()).isEqualTo(429);
    assertThat(e.status()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(e.message()).contains("Please retry in");
  }

  @Test
  void openai_sdk_generates_a_b64_image() {
    ImagesResponse response =
        openai
            .images()
            .generate(
                ImageGenerateParams.builder()
                    .model(ImageModel.GPT_IMAGE_1)
                    .prompt("Canvas tote bag")
                    .size(ImageGenerateParams.Size._1536X1024)
                    .quality(ImageGenerateParams.Quality.MEDIUM)
                    .build());

    byte[] png =
        Base64.getDecoder().decode(response.data().orElseThrow().get(0).b64Json().orElseThrow());
    assertThat(PngTestSupport.read(png).width()).isEqualTo(1536);
    assertThat(response.usage().orElseThrow().outputTokens()).isEqualTo(1584);
  }

  @Test
  void openai_sdk_sends_a_multipart_edit() {
    ImagesResponse response =
        openai
            .images()
            .edit(
                ImageEditParams.builder()
                    .model("gpt-image-1.5")
                    .prompt("Same bag on a beach")
                    .image(sim.getClass().getResourceAsStream("/reference-dimensions.txt"))
                    .build());

    assertThat(response.data().orElseThrow()).hasSize(1);
    assertThat(response.usage().orElseThrow().inputTokensDetails().imageTokens()).isEqualTo(256);
  }

  @Test
  void openai_sdk_raises_rate_limit_exception_with_the_retry_after_header() {
    ImageGenerateParams params =
        ImageGenerateParams.builder().model("gpt-image-1-mini").prompt("Mug").build();
    openai.images().generate(params);

    RateLimitException e =
        catchThrowableOfType(RateLimitException.class, () -> openai.images().generate(params));

    assertThat(e.statusCode()).isEqualTo(429);
    assertThat(e.code()).contains("rate_limit_exceeded");
    assertThat(e.headers().values("retry-after")).singleElement().asString().matches("\\d+");
    assertThat(e.headers().values("retry-after-ms")).singleElement().asString().matches("\\d+");
  }

  @Test
  void openai_sdk_raises_bad_request_for_a_moderation_block() {
    BadRequestException e =
        catchThrowableOfType(
            BadRequestException.class,
            () ->
                openai
                    .images()
                    .generate(
                        ImageGenerateParams.builder()
                            .model(ImageModel.GPT_IMAGE_1)
                            .prompt("Mug [sim:IMAGE_SAFETY]")
                            .build()));

    assertThat(e.code()).contains("moderation_blocked");
  }

  @Test
  void google_genai_sdk_looks_up_a_model_and_is_refused_a_wrong_key_or_an_unknown_model() {
    Model model = gemini.models.get("gemini-3-pro-image", null);

    assertThat(model.name()).contains("models/gemini-3-pro-image");
    assertThat(model.supportedActions().orElseThrow()).contains("generateContent");
    ClientException unknown =
        catchThrowableOfType(
            ClientException.class, () -> gemini.models.get("gemini-3-pro-imag", null));
    assertThat(unknown.code()).isEqualTo(404);
    assertThat(unknown.message()).contains("models/gemini-3-pro-imag is not found");
    try (Client wrongKey =
        Client.builder()
            .apiKey("not-a-key")
            .httpOptions(
                HttpOptions.builder()
                    .baseUrl(sim.baseUri().toString())
                    .retryOptions(HttpRetryOptions.builder().attempts(1).build())
                    .build())
            .build()) {
      ClientException refused =
          catchThrowableOfType(
              ClientException.class, () -> wrongKey.models.get("gemini-3-pro-image", null));
      assertThat(refused.code()).isEqualTo(400);
      assertThat(refused.message()).contains("API key not valid");
    }
  }

  @Test
  void openai_sdk_retrieves_a_model_and_is_refused_a_wrong_key_or_an_unknown_model() {
    com.openai.models.models.Model model = openai.models().retrieve("gpt-image-1");

    assertThat(model.id()).isEqualTo("gpt-image-1");
    assertThat(model.ownedBy()).isEqualTo("system");
    NotFoundException unknown =
        catchThrowableOfType(
            NotFoundException.class, () -> openai.models().retrieve("gpt-image-9"));
    assertThat(unknown.code()).contains("model_not_found");
    OpenAIClient wrongKey =
        OpenAIOkHttpClient.builder()
            .apiKey("sk-not-a-valid-key")
            .baseUrl(sim.baseUri() + "/v1")
            .maxRetries(0)
            .build();
    try {
      UnauthorizedException refused =
          catchThrowableOfType(
              UnauthorizedException.class, () -> wrongKey.models().retrieve("gpt-image-1"));
      assertThat(refused.code()).contains("invalid_api_key");
    } finally {
      wrongKey.close();
    }
  }
}
