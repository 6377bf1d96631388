package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.SimulatorConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Peak hours (10:00-14:00 UTC here): bulk work waits them out unless its deadline needs the time;
 * interactive work runs. The pipeline's clock is moved inside and outside the window.
 */
class PeakDeferralTest {

  private static final Instant ELEVEN_UTC =
      LocalDate.now(ZoneOffset.UTC).atTime(11, 0).toInstant(ZoneOffset.UTC);
  private static final Instant PEAK_END = ELEVEN_UTC.plus(Duration.ofHours(3));

  private static LocalPipeline inPeak;

  private static LocalPipeline startAt(Instant pipelineNow) {
    return LocalPipeline.start(
        LocalPipeline.Options.defaults()
            .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0))
            .withProperty("pipeline.clock.offset", Duration.between(Instant.now(), pipelineNow))
            .withProperty("pipeline.peak.enabled", true)
            .withProperty("pipeline.peak.windows", "10:00-14:00")
            .withProperty(
                "pipeline.budgets.models[gemini-3.1-flash-image].requests-per-minute", 600),
        step -> {});
  }

  @BeforeAll
  static void start() {
    inPeak = startAt(ELEVEN_UTC);
  }

  @AfterAll
  static void stop() {
    inPeak.close();
  }

  private static ApiClient.Answer submit(LocalPipeline pipeline, String options) {
    return submit(pipeline, options, 2);
  }

  private static ApiClient.Answer submit(LocalPipeline pipeline, String options, int products) {
    StringJoiner items = new StringJoiner(",");
    for (int i = 0; i < products; i++) {
      items.add("{\"sku\": \"P-%d\", \"title\": \"Mug %d\"}".formatted(i, i));
    }
    return pipeline
        .client()
        .submit(
            """
            {"name": "peak", "tier": "fast", %s
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "items": [%s]}
            """
                .formatted(options, items)
                .getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void insideThePeakBulkWorkWaitsWhileInteractiveWorkRuns() {
    ApiClient.Answer bulk = submit(inPeak, "\"lane\": \"bulk\",");
    String bulkId = bulk.body().path("id").asString();
    String interactiveId =
        submit(inPeak, "\"lane\": \"interactive\",").body().path("id").asString();

    Pipelines.awaitCompleted(inPeak, interactiveId, Duration.ofSeconds(60));

    // the dispatcher has passed over the bulk batch many times by now: still queued, never sent
    assertThat(Pipelines.states(inPeak, bulkId)).containsExactly(Map.entry("QUEUED", 2L));
    JsonNode plan = Pipelines.batch(inPeak, bulkId).path("plan");
    assertThat(plan.path("lane").asString()).isEqualTo("bulk");
    assertThat(Instant.parse(plan.path("deferredUntil").asString())).isEqualTo(PEAK_END);
    // the ETA at submission already counted the wait
    assertThat(Instant.parse(bulk.body().path("eta").asString())).isAfter(PEAK_END);
    assertThat(bulk.body().path("etaBasis").asString()).contains("after the peak window");
  }

  @Test
  void insideThePeakBulkWorkWhoseDeadlineCannotWaitRuns() {
    Instant deadline = ELEVEN_UTC.plus(Duration.ofHours(1));
    ApiClient.Answer urgent =
        submit(inPeak, "\"lane\": \"bulk\", \"deadline\": \"" + deadline + "\",");

    Pipelines.awaitCompleted(inPeak, urgent.body().path("id").asString(), Duration.ofSeconds(60));

    assertThat(urgent.body().has("atRisk")).isFalse();
  }

  @Test
  void aDeadlineTheBudgetCannotMeetIsFlaggedAtOnce() {
    // 20 items at 600 requests/min take 2 s; the batch may only start at 15:00 and has 1 s
    Instant start = PEAK_END.plus(Duration.ofHours(1));
    ApiClient.Answer answer =
        submit(
            inPeak,
            "\"lane\": \"scheduled\", \"startAfter\": \"%s\", \"deadline\": \"%s\","
                .formatted(start, start.plusSeconds(1)),
            20);

    assertThat(answer.status()).isEqualTo(202);
    assertThat(Instant.parse(answer.body().path("eta").asString())).isAfter(start.plusSeconds(1));
    assertThat(answer.body().path("atRisk").asString()).contains("after the deadline");
    String id = answer.body().path("id").asString();
    assertThat(Pipelines.batch(inPeak, id).path("plan").path("atRisk").asString())
        .contains("after the deadline");
  }

  @Test
  void outsideThePeakBulkWorkRuns() {
    try (LocalPipeline afterPeak = startAt(PEAK_END.plus(Duration.ofHours(2)))) {
      String id = submit(afterPeak, "\"lane\": \"bulk\",").body().path("id").asString();

      Pipelines.awaitCompleted(afterPeak, id, Duration.ofSeconds(60));

      assertThat(Pipelines.batch(afterPeak, id).path("plan").has("deferredUntil")).isFalse();
    }
  }
}
