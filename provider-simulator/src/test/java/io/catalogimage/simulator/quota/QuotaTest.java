package io.catalogimage.simulator.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimClient;
import io.catalogimage.simulator.SimulatorConfig;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Per project x model quotas on both protocols, driven by the simulator clock. */
class QuotaTest {
  private static final String PRO = "gemini-3-pro-image";
  private static final Instant T = Instant.parse("2026-11-23T20:00:00Z"); // outside peak anyway
  private ProviderSimulator sim;
  private SimClient client;

  private void start(SimulatorConfig config) {
    sim = ProviderSimulator.start(config.withTimeScale(0).withoutPeak());
    client = new SimClient(sim);
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  private SimClient.Reply pro(String prompt) {
    return client.gemini(PRO, SimClient.prompt(prompt));
  }

  private static Duration retryDelay(SimClient.Reply r) {
    for (JsonNode d : r.error().path("details")) {
      if (d.path("@type").asString().endsWith("RetryInfo")) {
        String s = d.path("retryDelay").asString();
        return Duration.ofNanos(
            new BigDecimal(s.substring(0, s.length() - 1)).movePointRight(9).longValueExact());
      }
    }
    return null;
  }

  @Test
  void exceeding_rpm_gives_429_whose_retry_delay_is_the_exact_remaining_window() {
    start(SimulatorConfig.defaults().withQuota("default", PRO, 3, 100, 1000));
    sim.clock().fixAt(T);
    for (int i = 0; i < 3; i++) {
      assertThat(pro("mug " + i).status()).isEqualTo(200);
    }
    sim.clock().fixAt(T.plusMillis(20_500));

    SimClient.Reply r = pro("mug 3");

    assertThat(r.status()).isEqualTo(429);
    assertThat(r.error().path("status").asString()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(r.error().path("message").asString())
        .isEqualTo(
            "You exceeded your current quota, please check your plan and billing details. For more"
                + " information on this error, head to:"
                + " https://ai.google.dev/gemini-api/docs/rate-limits.\n"
                + "* Quota exceeded for metric:"
                + " generativelanguage.googleapis.com/generate_requests_per_model, limit: 3, model:"
                + " gemini-3-pro-image\n"
                + "Please retry in 39.500s.");
    JsonNode violation = r.error().path("details").path(0).path("violations").path(0);
    assertThat(violation.path("quotaId").asString())
        .isEqualTo("GenerateRequestsPerMinutePerProjectPerModel");
    assertThat(violation.path("quotaDimensions").path("model").asString()).isEqualTo(PRO);
    assertThat(violation.path("quotaDimensions").path("location").asString()).isEqualTo("global");
    assertThat(violation.path("quotaValue").asString()).isEqualTo("3");
    assertThat(retryDelay(r)).isEqualTo(Duration.ofMillis(39_500));

    sim.clock().fixAt(T.plusSeconds(60));
    assertThat(pro("mug 4").status()).isEqualTo(200);
  }

  @Test
  void retry_delay_tracks_real_time_within_a_few_milliseconds() {
    start(SimulatorConfig.defaults().withQuota("default", PRO, 2, 100, 1000));
    Instant before1 = Instant.now();
    assertThat(pro("a").status()).isEqualTo(200);
    Instant after1 = Instant.now();
    assertThat(pro("b").status()).isEqualTo(200);

    Instant before3 = Instant.now();
    SimClient.Reply r = pro("c");
    Instant after3 = Instant.now();

    assertThat(r.status()).isEqualTo(429);
    Duration delay = retryDelay(r);
    Duration slack = Duration.ofMillis(5);
    Duration min = Duration.between(after3, before1.plusSeconds(60)).minus(slack);
    Duration max = Duration.between(before3, after1.plusSeconds(60)).plus(slack);
    assertThat(delay).isBetween(min, max);
  }

  @Test
  void a_refused_request_does_not_consume_quota() {
    start(SimulatorConfig.defaults().withQuota("default", PRO, 2, 100, 1000));
    sim.clock().fixAt(T);
    pro("1");
    pro("2");
    sim.clock().fixAt(T.plusSeconds(30));
    assertThat(pro("3").status()).isEqualTo(429);

    sim.clock().fixAt(T.plusSeconds(61));
    assertThat(pro("4").status()).isEqualTo(200);
    assertThat(pro("5").status()).isEqualTo(200);
    assertThat(sim.stats().model(PRO).accepted()).isEqualTo(4);
    assertThat(sim.stats().model(PRO).rateLimited()).isEqualTo(1);
  }

  @Test
  void daily_quota_is_sticky_until_midnight_pacific_then_resets() {
    start(SimulatorConfig.defaults().withQuota("default", PRO, 100, 100, 2));
    Instant lateEvening =
        ZonedDateTime.parse("2026-11-23T23:59:00-08:00[America/Los_Angeles]").toInstant();
    sim.clock().fixAt(lateEvening);
    pro("1");
    pro("2");

    SimClient.Reply refused = pro("3");
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.error().path("message").asString())
        .contains("generate_requests_per_model_per_day, limit: 2, model: " + PRO)
        .doesNotContain("Please retry");
    assertThat(retryDelay(refused)).isNull();
    assertThat(
            refused
                .error()
                .path("details")
                .path(0)
                .path("violations")
                .path(0)
                .path("quotaId")
                .asString())
        .isEqualTo("GenerateRequestsPerDayPerProjectPerModel");

    sim.clock().fixAt(lateEvening.plusSeconds(59).plusMillis(900));
    assertThat(pro("4").status()).as("still the same Pacific day").isEqualTo(429);

    sim.clock().fixAt(lateEvening.plusSeconds(61));
    assertThat(pro("5").status()).as("after midnight Pacific").isEqualTo(200);
  }

  @Test
  void limit_zero_means_no_entitlement_and_no_retry_info() {
    start(SimulatorConfig.defaults().withQuota("default", PRO, 10, 10, 0));

    SimClient.Reply r = pro("mug");

    assertThat(r.status()).isEqualTo(429);
    assertThat(r.error().path("message").asString())
        .contains("generate_requests_per_model_per_day, limit: 0, model: " + PRO);
    assertThat(retryDelay(r)).isNull();
    assertThat(r.outcome()).isEqualTo("LIMIT_ZERO");
  }

  @Test
  void keys_of_one_project_share_its_quota_and_other_projects_do_not() {
    start(
        SimulatorConfig.defaults()
            .withKeys(Map.of("k1", "shop", "k2", "shop", "k3", "other"))
            .withQuota("shop", PRO, 2, 100, 1000));

    assertThat(client.gemini(PRO, SimClient.prompt("a"), "k1").status()).isEqualTo(200);
    assertThat(client.gemini(PRO, SimClient.prompt("b"), "k2").status()).isEqualTo(200);
    assertThat(client.gemini(PRO, SimClient.prompt("c"), "k1").status()).isEqualTo(429);
    assertThat(client.gemini(PRO, SimClient.prompt("d"), "k3").status()).isEqualTo(200);
    assertThat(client.gemini("gemini-3.1-flash-image", SimClient.prompt("e"), "k2").status())
        .as("quotas are per model too")
        .isEqualTo(200);
  }

  @Test
  void images_per_minute_counts_openai_n() {
    start(SimulatorConfig.defaults().withQuota("default", "gpt-image-1", 100, 5, 1000));
    sim.clock().fixAt(T);
    ObjectNode three = SimClient.generation("gpt-image-1", "mug");
    three.put("n", 3);
    assertThat(client.openai("/v1/images/generations", three).status()).isEqualTo(200);
    sim.clock().fixAt(T.plusSeconds(15));

    SimClient.Reply r = client.openai("/v1/images/generations", three);

    assertThat(r.status()).isEqualTo(429);
    assertThat(r.error().path("code").asString()).isEqualTo("rate_limit_exceeded");
    assertThat(r.error().path("message").asString())
        .contains("images per min (IPM): Limit 5, Used 3, Requested 3");
    assertThat(r.header("retry-after-ms")).isEqualTo("45000");
    assertThat(r.header("retry-after")).isEqualTo("45");
  }

  @Test
  void openai_retry_after_rounds_up_to_whole_seconds_and_ms_is_exact() {
    start(SimulatorConfig.defaults().withQuota("default", "gpt-image-1", 1, 100, 1000));
    sim.clock().fixAt(T);
    client.openai("/v1/images/generations", SimClient.generation("gpt-image-1", "a"));
    sim.clock().fixAt(T.plusMillis(10_200));

    SimClient.Reply r =
        client.openai("/v1/images/generations", SimClient.generation("gpt-image-1", "b"));

    assertThat(r.status()).isEqualTo(429);
    assertThat(r.header("retry-after-ms")).isEqualTo("49800");
    assertThat(r.header("retry-after")).isEqualTo("50");
    assertThat(r.error().path("message").asString())
        .contains("requests per min (RPM): Limit 1, Used 1, Requested 1")
        .contains("Please try again in 49.8s.");
  }

  @Test
  void gemini_images_per_minute_is_enforced_too() {
    start(SimulatorConfig.defaults().withQuota("default", PRO, 100, 1, 1000));
    sim.clock().fixAt(T);
    pro("a");

    SimClient.Reply r = pro("b");

    assertThat(r.status()).isEqualTo(429);
    assertThat(
            r.error().path("details").path(0).path("violations").path(0).path("quotaId").asString())
        .isEqualTo("GenerateImagesPerMinutePerProjectPerModel");
    assertThat(retryDelay(r)).isEqualTo(Duration.ofSeconds(60));
  }
}
