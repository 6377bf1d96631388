package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.QuotaShape;
import io.catalogimage.worker.provider.gemini.GeminiClient;
import io.catalogimage.worker.provider.openai.OpenAiClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each client, over real HTTP against the provider simulator, turns every kind of answer a provider
 * gives into the right {@link ProviderOutcome}. The simulator's trigger words ({@code [sim:KIND]})
 * force each answer; the shapes are those of the reference (docs/simulator.md).
 */
class ProviderContractTest {

  private static final ModelCatalog CATALOG = ModelCatalog.defaults();
  private static final String NB2 = "gemini-3.1-flash-image";
  private static final String PRO = "gemini-3-pro-image";

  private static ProviderSimulator simulator;
  private static ProviderSimulator slowSimulator;
  private static ExecutorService callbacks;

  @BeforeAll
  static void startSimulators() {
    // latencies and forced retry delays scaled to milliseconds (a scale of 0 would make them 0)
    simulator =
        ProviderSimulator.start(SimulatorConfig.defaults().withoutPeak().withTimeScale(0.001));
    slowSimulator =
        ProviderSimulator.start(
            SimulatorConfig.defaults().withoutPeak().withFixedLatency(Duration.ofSeconds(20)));
    callbacks = Executors.newFixedThreadPool(2);
  }

  @AfterAll
  static void stopSimulators() {
    simulator.close();
    slowSimulator.close();
    callbacks.shutdownNow();
  }

  private static ProviderProperties.Endpoint endpoint(
      String protocol, URI base, String key, Map<String, String> modelIds, Duration timeout) {
    return new ProviderProperties.Endpoint(
        protocol, base, key, null, modelIds, null, timeout, null, null, null);
  }

  private static ImageProvider gemini(Map<String, String> modelIds) {
    return new GeminiClient(
        "sim",
        endpoint("gemini", simulator.baseUri(), "sim-key", modelIds, null),
        CATALOG,
        Json.mapper(),
        callbacks);
  }

  private static ImageProvider gemini(Map<String, String> modelIds, ProviderSimulator at) {
    return new GeminiClient(
        "sim",
        endpoint("gemini", at.baseUri(), "sim-key", modelIds, null),
        CATALOG,
        Json.mapper(),
        callbacks);
  }

  private static ImageProvider openai() {
    return new OpenAiClient(
        "sim-openai",
        endpoint("openai", simulator.baseUri(), "sim-key", null, null),
        CATALOG,
        Json.mapper(),
        callbacks);
  }

  private static GenerationRequest request(String model, String prompt, String ratio, String size) {
    Dimensions expected = CATALOG.require(model).dimensions(size, ratio).orElseThrow();
    return new GenerationRequest(
        model, prompt, ratio, size, expected, List.of("en", "de"), List.of());
  }

  private static ProviderOutcome call(ImageProvider provider, GenerationRequest request) {
    return provider.generate(request).join();
  }

  @Nested
  class Gemini {

    private final ImageProvider client = gemini(Map.of());

    @Test
    void success_carries_the_image_of_the_requested_size_text_usage_and_version() {
      ProviderOutcome outcome =
          call(client, request(NB2, "Studio photo of a navy T-shirt", "4:1", "2K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.Generated.class);
      ProviderOutcome.Generated g = (ProviderOutcome.Generated) outcome;
      assertThat(g.actual()).isEqualTo(new Dimensions(4096, 1024));
      assertThat(g.downgrade()).isNull();
      assertThat(g.text()).isNotBlank();
      assertThat(g.info().httpStatus()).isEqualTo(200);
      assertThat(g.info().modelVersion()).isEqualTo(NB2);
      assertThat(g.info().responseId()).isNotBlank();
      assertThat(g.info().usage().outputImageTokens()).isEqualTo(1680);
      assertThat(g.png()).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void two_final_images_take_the_last_one_which_is_the_requested_size() {
      ProviderOutcome outcome =
          call(client, request(NB2, "A mug [sim:TWO_FINAL_IMAGES]", "1:1", "2K"));

      assertThat(((ProviderOutcome.Generated) outcome).actual())
          .isEqualTo(new Dimensions(2048, 2048));
      assertThat(((ProviderOutcome.Generated) outcome).downgrade()).isNull();
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "PROMPT_BLOCKED",
          "IMAGE_SAFETY",
          "IMAGE_PROHIBITED_CONTENT",
          "SAFETY",
          "PROHIBITED_CONTENT"
        })
    void every_block_shape_is_blocked_with_the_providers_words(String kind) {
      ProviderOutcome outcome =
          call(client, request(NB2, "A lamp [sim:" + kind + "]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.Blocked.class);
      ProviderOutcome.Blocked b = (ProviderOutcome.Blocked) outcome;
      assertThat(b.reason()).isNotBlank();
      if (!kind.equals("PROMPT_BLOCKED")) {
        assertThat(b.reason()).isEqualTo(kind);
      }
    }

    @Test
    void an_image_safety_block_keeps_the_message_shown_to_the_merchant() {
      ProviderOutcome.Blocked b =
          (ProviderOutcome.Blocked)
              call(client, request(NB2, "A lamp [sim:IMAGE_SAFETY]", "1:1", "1K"));

      assertThat(b.message()).contains("Unable to show the generated image");
    }

    @ParameterizedTest
    @ValueSource(strings = {"NO_IMAGE", "IMAGE_OTHER", "TEXT_ONLY_REFUSAL"})
    void answers_without_an_image_are_no_image(String kind) {
      ProviderOutcome outcome =
          call(client, request(NB2, "A vase [sim:" + kind + "]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.NoImage.class);
    }

    @Test
    void a_per_minute_429_is_rate_limited_with_the_providers_retry_delay() {
      ProviderOutcome outcome =
          call(client, request(NB2, "A sofa [sim:RATE_LIMITED]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.RateLimited.class);
      ProviderOutcome.RateLimited r = (ProviderOutcome.RateLimited) outcome;
      assertThat(r.retryAfter()).isNotNull().isPositive();
      assertThat(r.info().httpStatus()).isEqualTo(429);
    }

    @Test
    void a_daily_quota_is_exhausted_not_rate_limited() {
      ProviderOutcome outcome = call(client, request(NB2, "A desk [sim:DAILY_QUOTA]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.QuotaExhausted.class);
      assertThat(((ProviderOutcome.QuotaExhausted) outcome).limitZero()).isFalse();
    }

    @Test
    void a_limit_of_zero_is_exhausted_and_says_so() {
      ProviderOutcome outcome = call(client, request(NB2, "A rug [sim:LIMIT_ZERO]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.QuotaExhausted.class);
      assertThat(((ProviderOutcome.QuotaExhausted) outcome).limitZero()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP_500", "HTTP_503", "HTTP_504"})
    void server_errors_are_server_errors(String kind) {
      ProviderOutcome outcome =
          call(client, request(NB2, "A chair [sim:" + kind + "]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.ServerError.class);
      assertThat(outcome.info().httpStatus()).isEqualTo(Integer.parseInt(kind.substring(5)));
    }

    @Test
    void another_model_version_is_served_and_recorded_as_a_downgrade() {
      ProviderOutcome outcome =
          call(client, request(PRO, "A clock [sim:MODEL_VERSION_MISMATCH]", "1:1", "1K"));

      ProviderOutcome.Generated g = (ProviderOutcome.Generated) outcome;
      assertThat(g.downgrade()).isNotNull();
      assertThat(g.info().modelVersion()).isNotEqualTo(PRO);
      assertThat(g.kind()).isEqualTo("DOWNGRADED");
    }

    @Test
    void an_ignored_image_size_is_a_downgrade_with_the_size_served() {
      ProviderOutcome outcome =
          call(client, request(NB2, "A bench [sim:SIZE_IGNORED]", "1:1", "2K"));

      ProviderOutcome.Generated g = (ProviderOutcome.Generated) outcome;
      assertThat(g.actual()).isEqualTo(new Dimensions(1024, 1024));
      assertThat(g.downgrade()).contains("1024x1024");
    }

    @Test
    void a_wrong_key_is_refused_for_the_whole_endpoint() {
      ImageProvider wrongKey =
          new GeminiClient(
              "sim",
              endpoint("gemini", simulator.baseUri(), "not-a-key", null, null),
              CATALOG,
              Json.mapper(),
              callbacks);

      ProviderOutcome outcome = call(wrongKey, request(NB2, "A shelf", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.KeyRefused.class);
    }

    @Test
    void no_answer_within_the_request_timeout_is_timed_out() {
      ImageProvider impatient =
          new GeminiClient(
              "slow",
              endpoint("gemini", slowSimulator.baseUri(), "sim-key", null, Duration.ofMillis(300)),
              CATALOG,
              Json.mapper(),
              callbacks);

      ProviderOutcome outcome = call(impatient, request(NB2, "A table", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.TimedOut.class);
    }

    @Test
    void the_requests_own_timeout_wins_over_the_endpoints_and_is_possibly_billed() {
      ProviderOutcome outcome =
          call(
              gemini(Map.of(), slowSimulator),
              request(NB2, "A table", "1:1", "1K").withTimeout(Duration.ofMillis(250)));

      assertThat(outcome).isInstanceOf(ProviderOutcome.TimedOut.class);
      assertThat(outcome.possiblyBilled()).isTrue();
      assertThat(outcome.info().latency()).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void a_hung_model_is_abandoned_at_the_requests_timeout() {
      ProviderOutcome outcome =
          call(
              client,
              request(NB2, "A stool [sim:HANG]", "1:1", "1K").withTimeout(Duration.ofMillis(300)));

      assertThat(outcome).isInstanceOf(ProviderOutcome.TimedOut.class);
      assertThat(outcome.possiblyBilled()).isTrue();
    }

    @Test
    void a_connection_reset_after_the_request_is_lost_and_possibly_billed() {
      ProviderOutcome outcome =
          call(client, request(NB2, "A rug [sim:CONNECTION_RESET]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.ConnectionLost.class);
      assertThat(outcome.kind()).isEqualTo("CONNECTION_LOST");
      assertThat(outcome.possiblyBilled()).isTrue();
    }

    @Test
    void a_refused_connection_sent_nothing_and_cost_nothing() throws Exception {
      int closedPort;
      try (var socket = new java.net.ServerSocket(0)) {
        closedPort = socket.getLocalPort();
      }
      ImageProvider nobody =
          new GeminiClient(
              "nobody",
              endpoint("gemini", URI.create("http://127.0.0.1:" + closedPort), "k", null, null),
              CATALOG,
              Json.mapper(),
              callbacks);

      ProviderOutcome outcome = call(nobody, request(NB2, "A cup", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.ServerError.class);
      assertThat(outcome.possiblyBilled()).isFalse();
    }

    @Test
    void a_429_without_any_hint_is_rate_limited_with_no_delay() {
      ProviderOutcome outcome =
          call(client, request(NB2, "A vase [sim:RATE_LIMITED_NO_HINT]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.RateLimited.class);
      assertThat(((ProviderOutcome.RateLimited) outcome).retryAfter()).isNull();
    }

    @Test
    void a_retry_after_header_is_honoured_when_the_body_has_no_retry_info() {
      try (ProviderSimulator headerOnly =
          ProviderSimulator.start(
              SimulatorConfig.defaults()
                  .withoutPeak()
                  .withTimeScale(0.001)
                  .withRetryAfterHeader(true))) {
        ProviderOutcome outcome =
            call(
                gemini(Map.of(), headerOnly),
                request(NB2, "A bowl [sim:RATE_LIMITED]", "1:1", "1K"));

        assertThat(outcome).isInstanceOf(ProviderOutcome.RateLimited.class);
        assertThat(((ProviderOutcome.RateLimited) outcome).retryAfter()).isNotNull();
      }
    }

    @Test
    void a_preview_alias_sent_to_a_gateway_is_not_a_downgrade() {
      ImageProvider viaAlias = gemini(Map.of(NB2, "gemini-3.1-flash-image-preview"));

      ProviderOutcome outcome = call(viaAlias, request(NB2, "A tote bag", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.Generated.class);
      assertThat(((ProviderOutcome.Generated) outcome).downgrade()).isNull();
    }

    @Test
    void a_blocked_call_reports_no_image_tokens() {
      ProviderOutcome outcome =
          call(client, request(NB2, "A poster [sim:PROMPT_BLOCKED]", "1:1", "1K"));

      TokenUsageView usage = TokenUsageView.of(outcome);
      assertThat(usage.outputImageTokens()).isZero();
    }
  }

  @Nested
  class OpenAi {

    private final ImageProvider client = openai();

    @Test
    void success_carries_the_image_of_the_requested_size() {
      ProviderOutcome outcome =
          call(client, request("gpt-image-1.5", "Studio photo of a kettle", "3:2", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.Generated.class);
      ProviderOutcome.Generated g = (ProviderOutcome.Generated) outcome;
      assertThat(g.actual()).isEqualTo(new Dimensions(1536, 1024));
      assertThat(g.downgrade()).isNull();
      assertThat(g.info().usage()).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"PROMPT_BLOCKED", "IMAGE_SAFETY"})
    void moderation_blocked_is_blocked(String kind) {
      ProviderOutcome outcome =
          call(client, request("gpt-image-1.5", "A lamp [sim:" + kind + "]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.Blocked.class);
      assertThat(((ProviderOutcome.Blocked) outcome).reason()).isEqualTo("moderation_blocked");
    }

    @Test
    void a_429_is_rate_limited_with_the_retry_after_header() {
      ProviderOutcome outcome =
          call(client, request("gpt-image-1.5", "A sofa [sim:RATE_LIMITED]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.RateLimited.class);
      assertThat(((ProviderOutcome.RateLimited) outcome).retryAfter()).isNotNull().isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"INSUFFICIENT_QUOTA", "LIMIT_ZERO", "DAILY_QUOTA"})
    void quotas_that_waiting_a_minute_will_not_refill_are_exhausted(String kind) {
      ProviderOutcome outcome =
          call(client, request("gpt-image-1.5", "A desk [sim:" + kind + "]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.QuotaExhausted.class);
      assertThat(((ProviderOutcome.QuotaExhausted) outcome).limitZero())
          .isEqualTo(kind.equals("LIMIT_ZERO"));
    }

    @Test
    void a_reset_and_a_429_without_hint_are_classified_as_on_gemini() {
      ProviderOutcome reset =
          call(client, request("gpt-image-1.5", "A chair [sim:CONNECTION_RESET]", "1:1", "1K"));
      ProviderOutcome throttled =
          call(client, request("gpt-image-1.5", "A chair [sim:RATE_LIMITED_NO_HINT]", "1:1", "1K"));

      assertThat(reset).isInstanceOf(ProviderOutcome.ConnectionLost.class);
      assertThat(throttled).isInstanceOf(ProviderOutcome.RateLimited.class);
      assertThat(((ProviderOutcome.RateLimited) throttled).retryAfter()).isNull();
    }

    @Test
    void a_server_error_is_a_server_error() {
      ProviderOutcome outcome =
          call(client, request("gpt-image-1.5", "A chair [sim:HTTP_503]", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.ServerError.class);
    }

    @Test
    void a_wrong_key_is_refused_for_the_whole_endpoint() {
      ImageProvider wrongKey =
          new OpenAiClient(
              "sim-openai",
              endpoint("openai", simulator.baseUri(), "not-a-key", null, null),
              CATALOG,
              Json.mapper(),
              callbacks);

      ProviderOutcome outcome = call(wrongKey, request("gpt-image-1.5", "A shelf", "1:1", "1K"));

      assertThat(outcome).isInstanceOf(ProviderOutcome.KeyRefused.class);
    }

    @Test
    void a_gateways_stated_limit_per_minute_is_read_from_its_headers() {
      try (ProviderSimulator gateway =
          ProviderSimulator.start(
              SimulatorConfig.defaults()
                  .withoutPeak()
                  .withTimeScale(0)
                  .withQuotas(
                      SimulatorConfig.defaults()
                          .quotas()
                          .withShape("gpt-image-1.5", QuotaShape.constant(1))
                          .withRateLimitHeaders(true)))) {
        ImageProvider viaGateway =
            new OpenAiClient(
                "gateway",
                endpoint("openai", gateway.baseUri(), "sim-key", null, null),
                CATALOG,
                Json.mapper(),
                callbacks);

        ProviderOutcome first = call(viaGateway, request("gpt-image-1.5", "A cup", "1:1", "1K"));
        ProviderOutcome second = call(viaGateway, request("gpt-image-1.5", "A pot", "1:1", "1K"));

        assertThat(first).isInstanceOf(ProviderOutcome.Generated.class);
        assertThat(first.info().limitPerMinute()).isEqualTo(1);
        assertThat(second).isInstanceOf(ProviderOutcome.RateLimited.class);
        assertThat(second.info().limitPerMinute()).isEqualTo(1);
      }
      assertThat(call(client, request("gpt-image-1.5", "A bowl", "1:1", "1K")).info())
          .as("without the headers")
          .extracting(CallInfo::limitPerMinute)
          .isNull();
    }
  }

  /** Image output tokens an outcome reports, zero when it reports no usage. */
  private record TokenUsageView(long outputImageTokens) {
    static TokenUsageView of(ProviderOutcome outcome) {
      var usage = outcome.info().usage();
      return new TokenUsageView(usage == null ? 0 : usage.outputImageTokens());
    }
  }
}
