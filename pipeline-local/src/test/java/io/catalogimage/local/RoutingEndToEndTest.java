package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.StatsSnapshot;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Budgets, routing and money end to end: a storm of 429s, server errors and safety blocks ends with
 * every item in the state the routing table promises, and a cost cap stops a batch and lets it
 * resume.
 */
class RoutingEndToEndTest {

  private static final String NB2 = "gemini-3.1-flash-image";
  private static final String PRO = "gemini-3-pro-image";

  private static LocalPipeline pipeline;
  private static ApiClient api;

  @BeforeAll
  static void start() {
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0))
                .withProperty("pipeline.retry.max-attempts", 3)
                .withProperty("pipeline.retry.backoff-base", "100ms")
                .withProperty("pipeline.budgets.models[" + NB2 + "].requests-per-minute", 6000)
                // the storm's 429s are per-product triggers, not a quota; a learning budget would
                // (rightly, for a real provider) read 9 of 20 calls refused as a limit of about
                // 10/min and pace the cap tests after it for minutes. Learning has its own tests.
                .withProperty("pipeline.budgets.learning.enabled", false)
                // a used-up daily quota is re-probed after 2 s here (default 5 min)
                .withProperty("pipeline.budgets.exhausted-reprobe", "2s"),
            step -> {});
    api = pipeline.client();
  }

  @AfterAll
  static void stop() {
    pipeline.close();
  }

  private static String submit(String options, List<String> titles) {
    StringJoiner items = new StringJoiner(",");
    for (int i = 0; i < titles.size(); i++) {
      items.add("{\"sku\": \"R-%02d\", \"title\": \"%s\"}".formatted(i, titles.get(i)));
    }
    return Pipelines.submit(
        pipeline,
        """
        {"name": "routing", "tier": "fast", %s
         "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
         "altTextLocales": ["en"], "items": [%s]}
        """
            .formatted(options, items)
            .getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, Object> item(String batchId, String sku) {
    return Pipelines.jdbc(pipeline)
        .sql(
            """
            SELECT state, attempts, model_served, last_error_type, last_error_message
              FROM items WHERE batch_id = CAST(:b AS uuid) AND sku = :sku
            """)
        .param("b", batchId)
        .param("sku", sku)
        .query()
        .singleRow();
  }

  private static List<String> decisions(String batchId, String sku) {
    return Pipelines.jdbc(pipeline)
        .sql(
            """
            SELECT a.model_requested || ' ' || a.outcome || ': ' || a.decision FROM attempts a
              JOIN items i ON i.item_id = a.item_id
             WHERE i.batch_id = CAST(:b AS uuid) AND i.sku = :sku ORDER BY a.attempt_no
            """)
        .param("b", batchId)
        .param("sku", sku)
        .query(String.class)
        .list();
  }

  @Test
  void aStormOf429sServerErrorsAndBlocksEndsWithEveryItemInTheRightState() {
    StatsSnapshot before = pipeline.simulator().stats();
    String batch =
        submit(
            "",
            List.of(
                "Mug [sim:RATE_LIMITED:2]",
                "Lamp [sim:RATE_LIMITED:2]",
                "Vase [sim:RATE_LIMITED:2]",
                "Chair [sim:RATE_LIMITED]",
                "Desk [sim:HTTP_503:1]",
                "Knife [sim:IMAGE_SAFETY@" + NB2 + "]",
                "Plain plate"));
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(90));

    for (String sku : List.of("R-00", "R-01", "R-02")) {
      Map<String, Object> row = item(batch, sku);
      assertThat(row.get("state")).as(sku).isEqualTo("SUCCEEDED");
      assertThat(row.get("attempts")).as(sku).isEqualTo(3);
      assertThat(decisions(batch, sku).get(0)).contains("RATE_LIMITED").contains("waiting");
    }
    Map<String, Object> hopeless = item(batch, "R-03");
    assertThat(hopeless.get("state")).isEqualTo("FAILED");
    assertThat(hopeless.get("last_error_type")).isEqualTo("RATE_LIMITED");
    assertThat((String) hopeless.get("last_error_message")).contains("gave up after 3 attempts");
    Map<String, Object> flaky = item(batch, "R-04");
    assertThat(flaky.get("state")).isEqualTo("SUCCEEDED");
    assertThat(decisions(batch, "R-04").get(0)).contains("SERVER_ERROR").contains("backoff");
    Map<String, Object> blocked = item(batch, "R-05");
    assertThat(blocked.get("state")).isEqualTo("BLOCKED");
    assertThat(blocked.get("attempts")).as("never retried blindly").isEqualTo(1);
    assertThat(item(batch, "R-06").get("state")).isEqualTo("SUCCEEDED");

    // the simulator's own count: 3 x 2 + 3 rate limits, nothing else refused
    StatsSnapshot after = pipeline.simulator().stats();
    assertThat(after.model(NB2).rateLimited() - before.model(NB2).rateLimited()).isEqualTo(9);
    // every 429 reached the shared budget, where the learner weighs them for every replica
    long counted =
        Pipelines.jdbc(pipeline)
            .sql(
                "SELECT coalesce(sum(limited), 0) FROM budget_seconds"
                    + " WHERE budget_key LIKE '%/' || :m")
            .param("m", NB2)
            .query(Long.class)
            .single();
    assertThat(counted).isEqualTo(9);
  }

  private static final SimulatorConfig SIMULATOR =
      SimulatorConfig.defaults().withoutPeak().withTimeScale(0);

  private static Map<String, Object> nb2Budget() {
    return Pipelines.jdbc(pipeline)
        .sql(
            "SELECT bool_or(day_exhausted) AS used_up, max(reprobe_every_ms) AS every"
                + " FROM budget_state WHERE budget_key LIKE '%/' || :m")
        .param("m", NB2)
        .query()
        .singleRow();
  }

  /** One item's calls, model by model, and the model that served it. */
  private record Tried(List<String> calls, Object served) {}

  /** One item, to its end. */
  private static Tried oneItem() {
    String batch = submit("", List.of("Probe bowl"));
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));
    Map<String, Object> row = item(batch, "R-00");
    assertThat(row.get("state")).isEqualTo("SUCCEEDED");
    return new Tried(decisions(batch, "R-00"), row.get("model_served"));
  }

  @Test
  void aDailyQuotaRaisedDuringTheDayIsUsedAgainAfterOneReprobeAndProbingBurnsNoItem() {
    try {
      // NB2 allows 2 calls a day: the day runs out within the first batch
      pipeline.simulator().reconfigure(SIMULATOR.withQuota("default", NB2, 6000, 6000, 2));
      String first = submit("", List.of("Cup", "Bowl", "Plate", "Jug", "Tray", "Pan"));
      Pipelines.awaitCompleted(pipeline, first, Duration.ofSeconds(90));
      assertThat(Pipelines.states(pipeline, first)).containsOnlyKeys("SUCCEEDED");
      assertThat(nb2Budget().get("used_up"))
          .as("NB2 marked used up for every worker")
          .isEqualTo(true);

      // still used up: the re-probe is an ordinary item's call that hears the daily 429 and goes on
      // along its chain; the next re-probe waits twice as long
      List<Tried> tries = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                Tried t = oneItem();
                tries.add(t);
                return t.calls().stream().anyMatch(x -> x.startsWith(NB2 + " QUOTA_EXHAUSTED"));
              });
      Tried probed = tries.get(tries.size() - 1);
      assertThat(probed.served()).as("the probed item went on to Pro: " + probed).isEqualTo(PRO);
      assertThat(((Number) nb2Budget().get("every")).longValue())
          .as("the pause doubled after the probe heard the quota still used up")
          .isGreaterThanOrEqualTo(4000);
      // every item before it was handed back without an NB2 call and went to Pro at once
      tries
          .subList(0, tries.size() - 1)
          .forEach(t -> assertThat(t.calls()).as(t.toString()).allMatch(x -> x.startsWith(PRO)));

      // the merchant's quota is raised: the next re-probe finds it, and NB2 serves everyone again
      pipeline.simulator().reconfigure(SIMULATOR);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> NB2.equals(oneItem().served()));
      assertThat(nb2Budget().get("used_up")).isEqualTo(false);
      String after = submit("", List.of("Cup", "Bowl", "Plate", "Jug"));
      Pipelines.awaitCompleted(pipeline, after, Duration.ofSeconds(60));
      for (String sku : List.of("R-00", "R-01", "R-02", "R-03")) {
        assertThat(item(after, sku).get("model_served")).as(sku).isEqualTo(NB2);
      }
    } finally {
      pipeline.simulator().reconfigure(SIMULATOR);
    }
  }

  @Test
  void aBlockedItemGoesToTheNextModelWhenTheBatchAllowsSafetyReroutes() {
    String batch =
        submit("\"allowSafetyReroute\": true,", List.of("Knife [sim:IMAGE_SAFETY@" + NB2 + "]"));
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));

    Map<String, Object> row = item(batch, "R-00");
    assertThat(row.get("state")).isEqualTo("SUCCEEDED");
    assertThat(row.get("model_served")).isEqualTo(PRO);
    assertThat(decisions(batch, "R-00"))
        .first()
        .asString()
        .startsWith(NB2 + " BLOCKED")
        .contains("allows safety reroutes");
  }

  @Test
  void aCostCapStopsTheBatchAndRaisingItResumesIt() {
    String batch =
        submit("\"costCapUsd\": 0.20,", List.of("Cup", "Bowl", "Spoon", "Fork", "Jug", "Tray"));
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));

    Map<String, Long> states = Pipelines.states(pipeline, batch);
    assertThat(states.getOrDefault("CAP_REACHED", 0L)).isPositive();
    assertThat(states.getOrDefault("SUCCEEDED", 0L) + states.get("CAP_REACHED")).isEqualTo(6);
    JsonNode view = Pipelines.batch(pipeline, batch);
    // never past the cap by more than the calls that were in flight (here: their estimate error)
    assertThat(view.path("costUsd").decimalValue()).isLessThanOrEqualTo(new BigDecimal("0.22"));
    assertThat(view.path("plan").path("costCapUsd").decimalValue()).isEqualByComparingTo("0.20");
    String capped =
        Pipelines.jdbc(pipeline)
            .sql(
                "SELECT last_error_message FROM items WHERE batch_id = CAST(:b AS uuid)"
                    + " AND state = 'CAP_REACHED' LIMIT 1")
            .param("b", batch)
            .query(String.class)
            .single();
    assertThat(capped).contains("cost cap of $0.20").contains("raise the cap");

    ApiClient.Answer raised = api.put("/v1/batches/" + batch + "/cost-cap", "{\"costCapUsd\": 5}");

    assertThat(raised.status()).isEqualTo(200);
    assertThat(raised.body().path("resumedItems").asLong()).isEqualTo(states.get("CAP_REACHED"));
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));
    assertThat(Pipelines.states(pipeline, batch)).isEqualTo(Map.of("SUCCEEDED", 6L));
  }

  @Test
  void theTenantsMonthlyCapStopsItemsAndRemovingItResumesThem() {
    BigDecimal committed =
        api.get("/v1/tenant/cost-cap").body().path("committedUsd").decimalValue();
    try {
      ApiClient.Answer set =
          api.put(
              "/v1/tenant/cost-cap",
              "{\"monthlyCapUsd\": " + committed.add(new BigDecimal("0.20")) + "}");
      assertThat(set.status()).isEqualTo(200);
      String batch = submit("", List.of("Cup", "Bowl", "Spoon", "Fork", "Jug", "Tray"));
      Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));

      Map<String, Long> states = Pipelines.states(pipeline, batch);
      assertThat(states.getOrDefault("CAP_REACHED", 0L)).isPositive();
      String why =
          Pipelines.jdbc(pipeline)
              .sql(
                  "SELECT last_error_message FROM items WHERE batch_id = CAST(:b AS uuid)"
                      + " AND state = 'CAP_REACHED' LIMIT 1")
              .param("b", batch)
              .query(String.class)
              .single();
      assertThat(why).contains("tenant's monthly cost cap");
      JsonNode cap = api.get("/v1/tenant/cost-cap").body();
      assertThat(cap.path("committedUsd").decimalValue())
          .isLessThanOrEqualTo(
              cap.path("monthlyCapUsd").decimalValue().add(new BigDecimal("0.02")));

      ApiClient.Answer removed = api.put("/v1/tenant/cost-cap", "{\"monthlyCapUsd\": null}");

      assertThat(removed.body().path("resumedItems").asLong()).isEqualTo(states.get("CAP_REACHED"));
      Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));
      assertThat(Pipelines.states(pipeline, batch)).isEqualTo(Map.of("SUCCEEDED", 6L));
    } finally {
      api.put("/v1/tenant/cost-cap", "{\"monthlyCapUsd\": null}");
    }
  }

  @Test
  void reDriveRunsFailedAndBlockedItemsAgainAndKeepsTheSucceeded() {
    String batch =
        submit(
            "",
            List.of("Knife [sim:IMAGE_SAFETY@" + NB2 + "]", "Lamp [sim:HTTP_500:3]", "Plain cup"));
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));
    assertThat(item(batch, "R-00").get("state")).isEqualTo("BLOCKED");
    assertThat(item(batch, "R-01").get("state")).isEqualTo("FAILED");

    // the failed one, on the same tier: its retries start again, its attempt numbers go on
    ApiClient.Answer failedOnly =
        api.post("/v1/batches/" + batch + "/retry", "{\"states\": [\"FAILED\"]}");
    assertThat(failedOnly.status()).isEqualTo(202);
    assertThat(failedOnly.body().path("retriedItems").asInt()).isEqualTo(1);
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));
    assertThat(item(batch, "R-01").get("state")).isEqualTo("SUCCEEDED");
    // run 1: NB2, NB2 (tries-per-model reached), Pro: all 500; run 2: NB2's 3rd call fails, its
    // 4th succeeds (the trigger fails the first 3 calls on each model)
    assertThat(item(batch, "R-01").get("attempts")).isEqualTo(5);
    assertThat(item(batch, "R-00").get("state")).as("not asked for").isEqualTo("BLOCKED");

    // the blocked one, on the quality tier (Pro first)
    ApiClient.Answer onPro = api.post("/v1/batches/" + batch + "/retry", "{\"tier\": \"quality\"}");
    assertThat(onPro.body().path("retriedItems").asInt()).isEqualTo(1);
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));

    assertThat(item(batch, "R-00").get("state")).isEqualTo("SUCCEEDED");
    assertThat(item(batch, "R-00").get("model_served")).isEqualTo(PRO);
    assertThat(item(batch, "R-02").get("attempts")).as("succeeded items are kept").isEqualTo(1);
    assertThat(Pipelines.batch(pipeline, batch).path("tier").asString()).isEqualTo("quality");
  }

  @Test
  void aReDriveIsValidated() {
    String batch = submit("", List.of("Cup"));

    assertThat(
            api.post("/v1/batches/" + batch + "/retry", "{\"states\": [\"SUCCEEDED\"]}").status())
        .isEqualTo(400);
    assertThat(api.post("/v1/batches/" + batch + "/retry", "{\"tier\": \"cheapest\"}").status())
        .isEqualTo(400);
    assertThat(api.post("/v1/batches/0190a1b2-0000-7000-8000-000000000000/retry").status())
        .isEqualTo(404);
  }

  @Test
  void theUsageReportMatchesTheLedger() {
    String batch = submit("", List.of("Cup", "Bowl [sim:IMAGE_SAFETY@" + NB2 + "]"));
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));

    JsonNode usage = api.get("/v1/usage").body();

    Map<String, Object> ledger =
        Pipelines.jdbc(pipeline)
            .sql(
                "SELECT count(*) AS calls, coalesce(sum(cost_usd), 0) AS cost,"
                    + " count(*) FILTER (WHERE outcome = 'SUCCEEDED') AS images FROM attempts")
            .query()
            .singleRow();
    assertThat(usage.path("calls").asLong()).isEqualTo(((Number) ledger.get("calls")).longValue());
    assertThat(usage.path("images").asLong())
        .isEqualTo(((Number) ledger.get("images")).longValue());
    assertThat(usage.path("costUsd").decimalValue())
        .isEqualByComparingTo((BigDecimal) ledger.get("cost"));
    JsonNode thisBatch = null;
    for (JsonNode row : usage.path("byBatch")) {
      if (row.path("key").asString().equals(batch)) {
        thisBatch = row;
      }
    }
    assertThat(thisBatch).isNotNull();
    assertThat(thisBatch.path("calls").asLong()).isEqualTo(2);
    assertThat(thisBatch.path("images").asLong()).isEqualTo(1);
    assertThat(usage.path("byModel").findValuesAsString("key")).contains(NB2);
    // every view adds up to the total: each call counted once per view
    for (String view : List.of("byModel", "byDay", "byBatch")) {
      long calls = 0;
      for (JsonNode row : usage.path(view)) {
        calls += row.path("calls").asLong();
      }
      assertThat(calls).as(view).isEqualTo(usage.path("calls").asLong());
    }
    assertThat(usage.path("byDay").findValuesAsString("key")).isNotEmpty().isSorted();
    assertThat(api.get("/v1/usage?from=yesterday").status()).isEqualTo(400);
  }

  @Test
  void aCapChangeIsValidated() {
    String batch = submit("", List.of("Cup"));

    ApiClient.Answer negative =
        api.put("/v1/batches/" + batch + "/cost-cap", "{\"costCapUsd\": -1}");
    ApiClient.Answer unknown =
        api.put("/v1/batches/0190a1b2-0000-7000-8000-000000000000/cost-cap", "{\"costCapUsd\": 1}");

    assertThat(negative.status()).isEqualTo(400);
    assertThat(negative.body().path("detail").asString()).contains("costCapUsd");
    assertThat(unknown.status()).isEqualTo(404);
  }
}
