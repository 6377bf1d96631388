package io.catalogimage.worker.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ModelVersions;
import io.catalogimage.worker.provider.ProviderOutcome;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every outcome class of reference §1.6, §2 and §9, from the shapes real payloads have. */
class GeminiResponsesTest {

  private final GeminiResponses responses =
      new GeminiResponses(Json.mapper(), new ModelVersions(ModelCatalog.defaults()));

  private static final GenerationRequest REQUEST_2K =
      new GenerationRequest(
          "gemini-3.1-flash-image",
          "a mug",
          "1:1",
          "2K",
          new Dimensions(2048, 2048),
          List.of("en"),
          List.of());

  private ProviderOutcome classify(int status, String body) {
    return responses.classify(
        status, body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(3), REQUEST_2K);
  }

  private static String png(int w, int h) {
    // a PNG header is all the client reads: signature + IHDR
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        new byte[] {
          (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'
        });
    out.writeBytes(new byte[] {(byte) (w >> 24), (byte) (w >> 16), (byte) (w >> 8), (byte) w});
    out.writeBytes(new byte[] {(byte) (h >> 24), (byte) (h >> 16), (byte) (h >> 8), (byte) h});
    out.writeBytes(new byte[] {8, 3, 0, 0, 0});
    out.writeBytes(new byte[4]); // IHDR CRC: the header reader does not check it
    return Base64.getEncoder().encodeToString(out.toByteArray());
  }

  private static String success(String modelVersion, String... imageParts) {
    StringBuilder parts = new StringBuilder("{\"text\": \"{\\\"caption\\\": \\\"A mug\\\"}\"}");
    for (String p : imageParts) {
      parts.append(",").append(p);
    }
    return """
        {"candidates": [{"content": {"role": "model", "parts": [%s]}, "finishReason": "STOP"}],
         "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 1690, "thoughtsTokenCount": 210,
           "totalTokenCount": 1912,
           "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 12}],
           "candidatesTokensDetails": [{"modality": "IMAGE", "tokenCount": 1680}]},
         "modelVersion": "%s", "responseId": "r-1"}
        """
        .formatted(parts, modelVersion);
  }

  private static String image(int w, int h, boolean thought) {
    return "{\"inlineData\": {\"mimeType\": \"image/png\", \"data\": \""
        + png(w, h)
        + "\"}"
        + (thought ? ", \"thought\": true" : "")
        + "}";
  }

  @Test
  void a_stop_with_an_image_is_generated_with_usage_split_by_modality() {
    var o =
        (ProviderOutcome.Generated)
            classify(200, success("gemini-3.1-flash-image", image(2048, 2048, false)));
    assertThat(o.actual()).isEqualTo(new Dimensions(2048, 2048));
    assertThat(o.downgrade()).isNull();
    assertThat(o.text()).contains("caption");
    assertThat(o.info().usage().outputImageTokens()).isEqualTo(1680);
    assertThat(o.info().usage().outputTextTokens()).isEqualTo(10);
    assertThat(o.info().usage().thinkingTokens()).isEqualTo(210);
    assertThat(o.info().responseId()).isEqualTo("r-1");
  }

  @Test
  void takes_the_last_non_thought_image_when_a_1k_default_comes_first() {
    var o =
        (ProviderOutcome.Generated)
            classify(
                200,
                success(
                    "gemini-3.1-flash-image",
                    image(512, 512, true),
                    image(1024, 1024, false),
                    image(2048, 2048, false)));
    assertThat(o.actual()).isEqualTo(new Dimensions(2048, 2048));
    assertThat(o.downgrade()).isNull();
  }

  @Test
  void flags_a_smaller_image_than_asked_as_a_downgrade() {
    var o =
        (ProviderOutcome.Generated)
            classify(200, success("gemini-3.1-flash-image", image(1024, 1024, false)));
    assertThat(o.kind()).isEqualTo("DOWNGRADED");
    assertThat(o.downgrade()).isEqualTo("asked 2048x2048 (2K), got 1024x1024");
  }

  @Test
  void flags_another_model_version_as_a_downgrade_but_accepts_aliases_and_revisions() {
    var older =
        (ProviderOutcome.Generated)
            classify(200, success("gemini-2.5-flash-image", image(2048, 2048, false)));
    assertThat(older.downgrade())
        .isEqualTo("asked gemini-3.1-flash-image, served gemini-2.5-flash-image");
    var preview =
        (ProviderOutcome.Generated)
            classify(200, success("gemini-3.1-flash-image-preview", image(2048, 2048, false)));
    assertThat(preview.downgrade()).isNull();
    var revision =
        (ProviderOutcome.Generated)
            classify(200, success("gemini-3.1-flash-image-002", image(2048, 2048, false)));
    assertThat(revision.downgrade()).isNull();
  }

  @Test
  void image_safety_with_null_parts_is_a_block_keeping_the_providers_message() {
    var o =
        classify(
            200,
            """
            {"candidates": [{"content": {"parts": null}, "finishReason": "IMAGE_SAFETY",
              "finishMessage": "Unable to show the generated image..."}],
             "usageMetadata": {"candidatesTokenCount": 0, "thoughtsTokenCount": 293, "totalTokenCount": 824},
             "modelVersion": "gemini-3-pro-image-preview"}
            """);
    assertThat(o).isInstanceOf(ProviderOutcome.Blocked.class);
    assertThat(((ProviderOutcome.Blocked) o).reason()).isEqualTo("IMAGE_SAFETY");
    assertThat(((ProviderOutcome.Blocked) o).message())
        .isEqualTo("Unable to show the generated image...");
  }

  @Test
  void every_block_finish_reason_is_a_block() {
    for (String reason : GeminiResponses.BLOCKS) {
      var o =
          classify(
              200,
              "{\"candidates\": [{\"content\": {\"role\": \"model\"}, \"finishReason\": \""
                  + reason
                  + "\"}]}");
      assertThat(o).as(reason).isInstanceOf(ProviderOutcome.Blocked.class);
    }
  }

  @Test
  void a_prompt_block_without_candidates_is_a_block() {
    var o = classify(200, "{\"promptFeedback\": {\"blockReason\": \"PROHIBITED_CONTENT\"}}");
    assertThat(((ProviderOutcome.Blocked) o).reason()).isEqualTo("PROHIBITED_CONTENT");
  }

  @Test
  void image_other_no_image_and_a_text_only_refusal_are_no_image() {
    var other =
        classify(
            200,
            "{\"candidates\": [{\"content\": {}, \"finishReason\": \"IMAGE_OTHER\", \"finishMessage\": \"You will not be charged for this request.\"}]}");
    assertThat(((ProviderOutcome.NoImage) other).reason()).isEqualTo("IMAGE_OTHER");
    var none =
        classify(200, "{\"candidates\": [{\"content\": {}, \"finishReason\": \"NO_IMAGE\"}]}");
    assertThat(none).isInstanceOf(ProviderOutcome.NoImage.class);
    var refusal =
        classify(
            200,
            "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"I'm unable to create that.\"}]}, \"finishReason\": \"STOP\"}]}");
    assertThat(((ProviderOutcome.NoImage) refusal).message())
        .contains("I'm unable to create that.");
  }

  @Test
  void a_per_minute_429_carries_the_retry_delay_from_retry_info() {
    var o =
        classify(
            429,
            """
            {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
              "message": "You exceeded your current quota... Please retry in 11.769242877s.",
              "details": [
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                 "violations": [{"quotaId": "GenerateRequestsPerMinutePerProjectPerModel", "quotaValue": "10"}]},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "11.769242877s"}]}}
            """);
    assertThat(((ProviderOutcome.RateLimited) o).retryAfter())
        .isEqualTo(Duration.ofNanos(11_769_242_877L));
  }

  @Test
  void a_429_without_retry_info_falls_back_to_the_message() {
    var o =
        classify(
            429, "{\"error\": {\"code\": 429, \"message\": \"Slow down. Please retry in 26s.\"}}");
    assertThat(((ProviderOutcome.RateLimited) o).retryAfter()).isEqualTo(Duration.ofSeconds(26));
  }

  @Test
  void a_retry_after_header_wins_over_the_message_when_there_is_no_retry_info() {
    var headers =
        java.net.http.HttpHeaders.of(java.util.Map.of("Retry-After", List.of("7")), (a, b) -> true);
    var o =
        responses.classify(
            429,
            headers,
            "{\"error\": {\"code\": 429, \"message\": \"Please retry in 26s.\"}}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            Duration.ofMillis(5),
            REQUEST_2K);
    assertThat(((ProviderOutcome.RateLimited) o).retryAfter()).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void a_429_with_no_hint_anywhere_has_no_delay() {
    var o = classify(429, "{\"error\": {\"code\": 429, \"message\": \"Resource exhausted.\"}}");
    assertThat(((ProviderOutcome.RateLimited) o).retryAfter()).isNull();
  }

  @Test
  void a_per_day_quota_and_limit_zero_are_not_retryable_within_minutes() {
    var daily =
        classify(
            429,
            "{\"error\": {\"code\": 429, \"message\": \"Quota exceeded\", \"details\": [{\"@type\": \"type.googleapis.com/google.rpc.QuotaFailure\", \"violations\": [{\"quotaId\": \"GenerateRequestsPerDayPerProjectPerModel\"}]}]}}");
    assertThat(daily).isInstanceOf(ProviderOutcome.QuotaExhausted.class);
    var zero =
        classify(
            429,
            "{\"error\": {\"code\": 429, \"message\": \"Quota exceeded for metric: x, limit: 0\"}}");
    assertThat(((ProviderOutcome.QuotaExhausted) zero).limitZero()).isTrue();
  }

  @Test
  void server_errors_are_retryable_and_client_errors_are_not() {
    assertThat(
            classify(
                503,
                "{\"error\": {\"code\": 503, \"message\": \"The model is overloaded. Please try again later.\", \"status\": \"UNAVAILABLE\"}}"))
        .isInstanceOf(ProviderOutcome.ServerError.class);
    assertThat(classify(504, "{\"error\": {\"code\": 504, \"status\": \"DEADLINE_EXCEEDED\"}}"))
        .isInstanceOf(ProviderOutcome.ServerError.class);
    var invalid =
        classify(
            400,
            "{\"error\": {\"code\": 400, \"message\": \"API key not valid.\", \"status\": \"INVALID_ARGUMENT\"}}");
    assertThat(invalid).isInstanceOf(ProviderOutcome.KeyRefused.class);
    assertThat(((ProviderOutcome.KeyRefused) invalid).message())
        .isEqualTo("INVALID_ARGUMENT: API key not valid.");
    assertThat(
            classify(
                400,
                "{\"error\": {\"code\": 400, \"message\": \"bad\", \"status\": \"INVALID_ARGUMENT\","
                    + " \"details\": [{\"reason\": \"API_KEY_INVALID\"}]}}"))
        .isInstanceOf(ProviderOutcome.KeyRefused.class);
    assertThat(classify(403, "{\"error\": {\"code\": 403, \"status\": \"PERMISSION_DENIED\"}}"))
        .isInstanceOf(ProviderOutcome.KeyRefused.class);
    assertThat(
            classify(
                400,
                "{\"error\": {\"code\": 400, \"message\": \"Unsupported aspect ratio\", \"status\": \"INVALID_ARGUMENT\"}}"))
        .isInstanceOf(ProviderOutcome.Rejected.class);
    assertThat(classify(404, "{\"error\": {\"code\": 404, \"status\": \"NOT_FOUND\"}}"))
        .isInstanceOf(ProviderOutcome.Rejected.class);
  }

  @Test
  void an_unreadable_200_is_a_server_error_not_a_crash() {
    assertThat(classify(200, "<html>gateway</html>"))
        .isInstanceOf(ProviderOutcome.ServerError.class);
  }
}
