package io.catalogimage.simulator.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimClient;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.png.PngTestSupport;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/** Every fault kind's exact wire shape on the Gemini API (reference §1.6, §2, §8). */
class GeminiFaultShapesTest {
  private static final String PRO = "gemini-3-pro-image";
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

  private static SimClient.Reply call(String model, FaultKind kind, String ratio, String size) {
    return client.gemini(
        model, SimClient.image("A wool scarf " + kind + " [sim:" + kind + "]", ratio, size));
  }

  private static JsonNode candidate(SimClient.Reply r) {
    return r.body().path("candidates").path(0);
  }

  @ParameterizedTest
  @EnumSource(
      value = FaultKind.class,
      names = {
        "PROMPT_BLOCKED",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "IMAGE_OTHER",
        "SAFETY",
        "PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
        "RECITATION",
        "NO_IMAGE",
        "TEXT_ONLY_REFUSAL"
      })
  void content_blocks_arrive_as_http_200_without_an_image(FaultKind kind) {
    SimClient.Reply r = call(PRO, kind, null, null);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.outcome()).isEqualTo(kind.name());
    assertThat(r.finalImages()).isEmpty();
    assertThat(r.body().path("modelVersion").asString()).isEqualTo(PRO);
    assertThat(r.body().path("usageMetadata").path("promptTokenCount").asInt()).isPositive();
  }

  @Test
  void prompt_blocked_has_no_candidates_and_a_block_reason() {
    SimClient.Reply r = call(PRO, FaultKind.PROMPT_BLOCKED, null, null);

    assertThat(r.body().has("candidates")).isFalse();
    assertThat(r.body().path("promptFeedback").path("blockReason").asString())
        .isIn("PROHIBITED_CONTENT", "OTHER", "SAFETY", "IMAGE_SAFETY");
  }

  @Test
  void image_safety_has_no_parts_zero_candidate_tokens_but_thought_tokens() {
    SimClient.Reply r = call(PRO, FaultKind.IMAGE_SAFETY, null, null);

    JsonNode c = candidate(r);
    assertThat(c.path("finishReason").asString()).isEqualTo("IMAGE_SAFETY");
    assertThat(c.path("content").propertyNames()).containsExactly("role");
    assertThat(c.path("finishMessage").asString()).startsWith("Unable to show the generated image");
    JsonNode usage = r.body().path("usageMetadata");
    assertThat(usage.path("candidatesTokenCount").isMissingNode()).isFalse();
    assertThat(usage.path("candidatesTokenCount").asInt()).isZero();
    assertThat(usage.path("thoughtsTokenCount").asInt()).isPositive();
    assertThat(usage.path("totalTokenCount").asInt())
        .isEqualTo(
            usage.path("promptTokenCount").asInt() + usage.path("thoughtsTokenCount").asInt());
  }

  @Test
  void image_safety_can_carry_the_literal_null_parts_of_the_stored_fixture() {
    try (ProviderSimulator literal =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withTimeScale(0)
                .withoutPeak()
                .withImageSafetyNullParts(true))) {
      SimClient.Reply r =
          new SimClient(literal).gemini(PRO, SimClient.prompt("A wool scarf [sim:IMAGE_SAFETY]"));

      JsonNode content = candidate(r).path("content");
      assertThat(content.has("parts")).isTrue();
      assertThat(content.get("parts").isNull()).isTrue();
    }
  }

  @Test
  void image_prohibited_content_has_role_only_content_and_a_support_code() {
    JsonNode c = candidate(call(PRO, FaultKind.IMAGE_PROHIBITED_CONTENT, null, null));

    assertThat(c.path("content").propertyNames()).containsExactly("role");
    assertThat(c.path("content").path("role").asString()).isEqualTo("model");
    assertThat(c.path("finishMessage").asString()).matches("(?s).*Support code: \\d{8}\\.$");
  }

  @Test
  void image_other_has_empty_content_and_the_not_charged_message() {
    JsonNode c = candidate(call(PRO, FaultKind.IMAGE_OTHER, null, null));

    assertThat(c.path("content").isObject()).isTrue();
    assertThat(c.path("content").isEmpty()).isTrue();
    assertThat(c.path("finishMessage").asString())
        .isEqualTo(
            "Unable to show the generated image. The model could not generate the image based on"
                + " the prompt provided. You will not be charged for this request. Try rephrasing"
                + " the prompt.");
  }

  @Test
  void image_recitation_has_role_only_content() {
    JsonNode c = candidate(call(PRO, FaultKind.IMAGE_RECITATION, null, null));

    assertThat(c.path("finishReason").asString()).isEqualTo("IMAGE_RECITATION");
    assertThat(c.path("content").propertyNames()).containsExactly("role");
  }

  @ParameterizedTest
  @EnumSource(
      value = FaultKind.class,
      names = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "NO_IMAGE"})
  void finish_reason_variants_carry_their_reason_and_no_content(FaultKind kind) {
    JsonNode c = candidate(call(PRO, kind, null, null));

    assertThat(c.path("finishReason").asString()).isEqualTo(kind.name());
    assertThat(c.has("content")).isFalse();
  }

  @Test
  void safety_lists_safety_ratings_with_one_blocked_category() {
    JsonNode ratings = candidate(call(PRO, FaultKind.SAFETY, null, null)).path("safetyRatings");

    assertThat(ratings).hasSize(4);
    assertThat(ratings.findValues("blocked")).hasSize(1);
  }

  @Test
  void text_only_refusal_is_stop_with_a_single_text_part() {
    SimClient.Reply r = call(PRO, FaultKind.TEXT_ONLY_REFUSAL, null, null);

    assertThat(candidate(r).path("finishReason").asString()).isEqualTo("STOP");
    assertThat(r.parts()).hasSize(1);
    assertThat(r.parts().get(0).path("text").asString()).startsWith("I'm sorry");
  }

  @Test
  void http_500_is_internal() {
    SimClient.Reply r = call(PRO, FaultKind.HTTP_500, null, null);

    assertThat(r.status()).isEqualTo(500);
    assertThat(r.error().path("code").asInt()).isEqualTo(500);
    assertThat(r.error().path("status").asString()).isEqualTo("INTERNAL");
  }

  @Test
  void http_503_is_the_overloaded_message() {
    SimClient.Reply r = call(PRO, FaultKind.HTTP_503, null, null);

    assertThat(r.status()).isEqualTo(503);
    assertThat(r.error().path("status").asString()).isEqualTo("UNAVAILABLE");
    assertThat(r.error().path("message").asString())
        .isEqualTo("The model is overloaded. Please try again later.");
  }

  @Test
  void http_504_is_deadline_exceeded() {
    SimClient.Reply r = call(PRO, FaultKind.HTTP_504, null, null);

    assertThat(r.status()).isEqualTo(504);
    assertThat(r.error().path("status").asString()).isEqualTo("DEADLINE_EXCEEDED");
  }

  @Test
  void model_version_mismatch_reports_another_model_and_serves_its_1k_size() {
    SimClient.Reply r =
        call("gemini-3.1-flash-image", FaultKind.MODEL_VERSION_MISMATCH, "16:9", "4K");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().path("modelVersion").asString()).isEqualTo("gemini-2.5-flash-image");
    var png = PngTestSupport.read(r.finalImages().get(0));
    assertThat(png.width()).isEqualTo(1344);
    assertThat(png.height()).isEqualTo(768);
    assertThat(r.body().path("usageMetadata").has("thoughtsTokenCount")).isFalse();
  }

  @Test
  void model_version_mismatch_on_the_downgrade_model_itself_names_a_different_model() {
    SimClient.Reply r =
        call("gemini-2.5-flash-image", FaultKind.MODEL_VERSION_MISMATCH, null, null);

    assertThat(r.body().path("modelVersion").asString()).isNotEqualTo("gemini-2.5-flash-image");
  }

  @Test
  void size_ignored_serves_the_1k_image_for_a_4k_request() {
    SimClient.Reply r = call("gemini-3.1-flash-image", FaultKind.SIZE_IGNORED, "1:4", "4K");

    assertThat(r.body().path("modelVersion").asString()).isEqualTo("gemini-3.1-flash-image");
    var png = PngTestSupport.read(r.finalImages().get(0));
    assertThat(png.width()).isEqualTo(512);
    assertThat(png.height()).isEqualTo(2048);
  }

  @Test
  void two_final_images_put_the_1k_default_first_then_the_requested_size() {
    SimClient.Reply r = call("gemini-3.1-flash-image", FaultKind.TWO_FINAL_IMAGES, "3:2", "2K");

    List<byte[]> images = r.finalImages();
    assertThat(images).hasSize(2);
    assertThat(PngTestSupport.read(images.get(0)).width()).isEqualTo(1264);
    assertThat(PngTestSupport.read(images.get(1)).width()).isEqualTo(2528);
    for (JsonNode p : r.parts()) {
      assertThat(p.path("thoughtSignature").asString()).isNotEmpty();
    }
  }

  @Test
  void forced_rate_limited_is_a_per_minute_429_with_retry_info() {
    SimClient.Reply r = call(PRO, FaultKind.RATE_LIMITED, null, null);

    assertThat(r.status()).isEqualTo(429);
    JsonNode e = r.error();
    assertThat(e.path("status").asString()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(e.path("message").asString())
        .contains(
            "generativelanguage.googleapis.com/generate_requests_per_model, limit: 1000000, model: "
                + PRO)
        .containsPattern("\nPlease retry in \\d+(\\.\\d+)?s\\.$");
    assertThat(e.path("details").findValuesAsString("@type"))
        .containsExactly(
            "type.googleapis.com/google.rpc.QuotaFailure",
            "type.googleapis.com/google.rpc.Help",
            "type.googleapis.com/google.rpc.RetryInfo");
    assertThat(e.path("details").path(2).path("retryDelay").asString())
        .matches("^\\d+(\\.\\d+)?s$");
  }

  @Test
  void forced_daily_quota_is_a_per_day_429_without_retry_info() {
    JsonNode e = call(PRO, FaultKind.DAILY_QUOTA, null, null).error();

    assertThat(e.path("message").asString())
        .contains("generate_requests_per_model_per_day, limit: 100000000, model: " + PRO)
        .doesNotContain("Please retry");
    JsonNode violation = e.path("details").path(0).path("violations").path(0);
    assertThat(violation.path("quotaId").asString())
        .isEqualTo("GenerateRequestsPerDayPerProjectPerModel");
    assertThat(e.path("details").findValuesAsString("@type"))
        .doesNotContain("type.googleapis.com/google.rpc.RetryInfo");
  }

  @Test
  void forced_limit_zero_says_limit_0_without_retry_info() {
    SimClient.Reply r = call(PRO, FaultKind.LIMIT_ZERO, null, null);

    assertThat(r.status()).isEqualTo(429);
    assertThat(r.error().path("message").asString()).contains("limit: 0, model: " + PRO);
    assertThat(r.error().path("details").findValuesAsString("@type"))
        .doesNotContain("type.googleapis.com/google.rpc.RetryInfo");
  }

  @Test
  void insufficient_quota_does_not_apply_to_gemini_so_the_call_succeeds() {
    SimClient.Reply r = call(PRO, FaultKind.INSUFFICIENT_QUOTA, null, null);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.outcome()).isEqualTo("SUCCESS");
  }
}
