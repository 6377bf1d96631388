package io.catalogimage.api.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestClient;
import io.catalogimage.api.ApiTestInfrastructure;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * What the workers' budgets learnt (here written as they would: the shared budget row and the rates
 * per hour of the day) is what the api plans with and shows: the ETA at the learnt rate under the
 * configured ceiling, the rates in the batch plan and the usage report, and the hours in which the
 * provider grants markedly less treated as peak hours.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "pipeline.budgets.models[gemini-3.1-flash-image].requests-per-minute=600",
      "pipeline.peak.windows=03:00-04:00",
      "pipeline.peak.defer-lanes=bulk"
    })
class LearntRatesTest {

  private static final String NB2 = "gemini-3.1-flash-image";

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;
  @Autowired PeakHours peakHours;

  @BeforeEach
  void learnt() {
    jdbc.sql("DELETE FROM learnt_rates").update();
    jdbc.sql("DELETE FROM budget_state").update();
    // now: the provider grants about 150 a minute (the workers hold at 147)
    jdbc.sql(
            """
            INSERT INTO budget_state (budget_key, learnt_rpm, limit_rpm, updated_at)
            VALUES ('google/gemini-3.1-flash-image', 147, 150, now())
            """)
        .update();
    // earlier days: 300 a minute, except 10:00-14:00 UTC, when it halved
    for (int hour = 0; hour < 24; hour++) {
      jdbc.sql(
              """
              INSERT INTO learnt_rates (endpoint, model, hour, rpm, minutes)
              VALUES ('google', :model, :hour, :rpm, 120)
              """)
          .param("model", NB2)
          .param("hour", hour)
          .param("rpm", hour >= 10 && hour < 14 ? 147.0 : 294.0)
          .update();
    }
  }

  private JsonNode submit(String extra) throws Exception {
    String body =
        """
        {"name": "learnt", "tier": "fast", %s
         "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
         "promptTemplate": "Photo of {{title}}",
         "items": [{"sku": "A-1", "title": "Mug"}, {"sku": "A-2", "title": "Cup"}]}
        """
            .formatted(extra);
    ApiTestClient.Answer a = new ApiTestClient(port).call("POST", "/v1/batches", body);
    assertThat(a.status()).isEqualTo(202);
    return a.body();
  }

  @Test
  void theBatchPlanShowsTheLearntRatesAndTheEtaUsesThemUnderTheConfiguredCeiling()
      throws Exception {
    Instant tomorrow = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS);
    Instant tomorrowAt09 = tomorrow.plus(9, ChronoUnit.HOURS);
    Instant tomorrowAt11 = tomorrow.plus(11, ChronoUnit.HOURS);

    JsonNode now = submit("\"lane\": \"interactive\",");
    JsonNode later = submit("\"lane\": \"interactive\", \"startAfter\": \"" + tomorrowAt11 + "\",");
    JsonNode offPeak =
        submit("\"lane\": \"interactive\", \"startAfter\": \"" + tomorrowAt09 + "\",");

    assertThat(now.path("etaBasis").asString())
        .as("the rate in use now, whatever earlier days learnt for this hour")
        .contains("at 146 requests/min (learnt from the provider; configured 600)");
    assertThat(later.path("etaBasis").asString())
        .as("11:00 UTC: the rate earlier days learnt for that hour")
        .contains("at 146 requests/min");
    assertThat(offPeak.path("etaBasis").asString())
        .as("09:00 UTC: earlier days learnt 294 for that hour, not the 147 in use now")
        .contains("at 291 requests/min (learnt from the provider; configured 600)");
    JsonNode rate = now.path("rates").path(0);
    assertThat(rate.path("model").asString()).isEqualTo(NB2);
    assertThat(rate.path("endpoint").asString()).isEqualTo("google");
    assertThat(rate.path("configuredRpm").asInt()).isEqualTo(600);
    assertThat(rate.path("learntRpm").asDouble()).isEqualTo(147.0);
    assertThat(rate.path("measuredLimitRpm").asDouble()).isEqualTo(150.0);
    assertThat(rate.path("learntByHourUtc").path("11").asDouble()).isEqualTo(147.0);
    assertThat(rate.path("learntByHourUtc").path("9").asDouble()).isEqualTo(294.0);

    JsonNode batch = new ApiTestClient(port).get("/v1/batches/" + now.path("id").asString()).body();
    assertThat(batch.path("plan").path("rates").path(0).path("learntRpm").asDouble())
        .isEqualTo(147.0);
  }

  @Test
  void theUsageReportShowsTheRatesTheProviderReallyGrants() throws Exception {
    JsonNode usage = new ApiTestClient(port).get("/v1/usage").body();

    JsonNode nb2 = null;
    for (JsonNode r : usage.path("rates")) {
      if (r.path("model").asString().equals(NB2)) {
        nb2 = r;
      }
    }
    assertThat(nb2).isNotNull();
    assertThat(nb2.path("learntRpm").asDouble()).isEqualTo(147.0);
    assertThat(nb2.path("learntByHourUtc").size()).isEqualTo(24);
  }

  @Test
  void hoursInWhichTheProviderGrantedMarkedlyLessAreTreatedAsPeakHours() {
    Instant day = Instant.parse("2026-12-07T00:00:00Z");

    assertThat(peakHours.currentWindowEnd(day.plus(11, ChronoUnit.HOURS)))
        .as("learnt: 10:00-14:00 UTC granted half")
        .hasValue(day.plus(14, ChronoUnit.HOURS));
    assertThat(peakHours.currentWindowEnd(day.plus(3, ChronoUnit.HOURS).plusSeconds(60)))
        .as("configured: 03:00-04:00")
        .hasValue(day.plus(4, ChronoUnit.HOURS));
    assertThat(peakHours.isPeak(day.plus(15, ChronoUnit.HOURS))).isFalse();
  }
}
