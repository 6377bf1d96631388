package io.catalogimage.api.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.catalogimage.api.ApiTestClient.Answer;
import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Scheduled runs end to end on real PostgreSQL and S3: only what changed is generated, the manifest
 * covers the whole catalog, a feed that lost most of its products is held, bad rows are skipped and
 * reported, the overlap policy, credentials, fetch failures and feed URLs that point inside.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(ScheduleTestSupport.MovedClock.class)
class ScheduledRunsTest extends ScheduleTestSupport {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    properties(registry);
  }

  private static String csv(List<String> rows) {
    return "sku,title,color,price\r\n" + String.join("\r\n", rows) + "\r\n";
  }

  private static List<String> products(int from, int to, IntFunction<String> row) {
    List<String> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(row.apply(i));
    }
    return out;
  }

  private static String product(int i) {
    return String.format("P-%03d,Product %d,blue,%d.00", i, i, 10 + i);
  }

  private String schedule(String feedKey, String extra) throws Exception {
    return id(
        createSchedule(
            """
            {"name": "nightly", "dailyAt": "02:00", "timeZone": "Europe/Berlin",
             "deadline": "06:00", "source": {"objectKey": "%s"}, "format": "csv",
             "batch": {"tier": "fast", "variants": [{"name": "main", "aspectRatio": "1:1",
                       "size": "1K"}], "promptTemplate": "Photo of {{title}} in {{attributes.color}}"}
             %s}
            """
                .formatted(feedKey, extra)));
  }

  private JsonNode runNow(String schedule) throws Exception {
    return ok(api().call("POST", "/v1/schedules/" + schedule + "/run", null), 202);
  }

  /** Runs the schedule now and plays the worker: returns the completed run. */
  private JsonNode runToCompletion(String schedule) throws Exception {
    String run = id(runNow(schedule));
    JsonNode generating = awaitRun(schedule, run, "GENERATING");
    if (!generating.path("batchId").isNull()) {
      completeItems(generating.path("batchId").asString());
    }
    return awaitRun(schedule, run, "COMPLETED");
  }

  private List<JsonNode> manifest(String schedule, String run) throws Exception {
    Answer redirect = api().get("/v1/schedules/" + schedule + "/runs/" + run + "/manifest");
    assertThat(redirect.status()).isEqualTo(303);
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            jdbc.sql(
                                    "SELECT manifest_key FROM schedule_runs WHERE run_id = CAST(:r AS uuid)")
                                .param("r", run)
                                .query(String.class)
                                .single()
                                .transform(
                                    key ->
                                        store.presignedGet(key, Duration.ofMinutes(5)).toString())))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    List<JsonNode> lines = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      lines.add(Json.mapper().readTree(line));
    }
    return lines;
  }

  @Test
  void onlyTheChangedAndNewProductsAreGeneratedAndTheManifestCoversTheWholeCatalog()
      throws Exception {
    startScheduler("api-1");
    putFeed("feeds/diff.csv", csv(products(1, 99, ScheduledRunsTest::product)));
    String schedule = schedule("feeds/diff.csv", "");

    JsonNode first = runToCompletion(schedule);
    assertThat(first.path("products").path("new").asLong()).isEqualTo(99);
    assertThat(first.path("counts").path("generated").asLong()).isEqualTo(99);

    // 3 changed titles, 2 new, 1 removed (P-099), a price change the template does not read
    List<String> next = products(1, 98, ScheduledRunsTest::product);
    for (int i = 0; i < 3; i++) {
      next.set(i, next.get(i).replace("Product " + (i + 1), "Renamed product " + (i + 1)));
    }
    next.set(9, "P-010,Product 10,blue,99.00");
    next.add(product(100));
    next.add(product(101));
    putFeed("feeds/diff.csv", csv(next));

    JsonNode second = runToCompletion(schedule);

    JsonNode products = second.path("products");
    assertThat(products.path("inFeed").asLong()).isEqualTo(100);
    assertThat(products.path("new").asLong()).isEqualTo(2);
    assertThat(products.path("changed").asLong()).isEqualTo(3);
    assertThat(products.path("unchanged").asLong()).isEqualTo(95);
    assertThat(products.path("removed").asLong()).isEqualTo(1);
    String batch = second.path("batchId").asString();
    assertThat(count("SELECT count(*) FROM products WHERE batch_id = CAST(? AS uuid)", batch))
        .isEqualTo(5);
    assertThat(
            jdbc.sql("SELECT sku FROM items WHERE batch_id = CAST(:b AS uuid) ORDER BY sku")
                .param("b", batch)
                .query(String.class)
                .list())
        .containsExactly("P-001", "P-002", "P-003", "P-100", "P-101");
    assertThat(second.path("counts").path("generated").asLong()).isEqualTo(5);
    assertThat(second.path("counts").path("reused").asLong()).isEqualTo(95);
    assertThat(second.path("counts").path("removed").asLong()).isEqualTo(1);
    assertThat(second.path("counts").path("failed").asLong()).isZero();
    assertThat(second.path("costUsd").decimalValue()).isEqualByComparingTo("0.335");
    assertThat(second.path("deadlineMet").asBoolean()).isTrue();

    List<JsonNode> lines = manifest(schedule, id(second));
    assertThat(lines).hasSize(101);
    Map<String, String> status = new TreeMap<>();
    lines.forEach(l -> status.put(l.path("sku").asString(), l.path("status").asString()));
    assertThat(status.values().stream().filter("generated"::equals)).hasSize(5);
    assertThat(status.values().stream().filter("reused"::equals)).hasSize(95);
    assertThat(status).containsEntry("P-099", "removed").containsEntry("P-010", "reused");
    JsonNode reused =
        lines.stream().filter(l -> l.path("sku").asString().equals("P-050")).findFirst().get();
    assertThat(reused.path("imageKey").asString())
        .contains(first.path("batchId").asString())
        .endsWith("/P-050/main.png");
    assertThat(reused.path("generatedInRun").asString()).isEqualTo(id(first));
    JsonNode generated =
        lines.stream().filter(l -> l.path("sku").asString().equals("P-001")).findFirst().get();
    assertThat(generated.path("imageKey").asString()).contains(batch);

    // nothing changed: a third run generates nothing and makes no batch
    JsonNode third = runToCompletion(schedule);
    assertThat(third.path("batchId").isNull()).isTrue();
    assertThat(third.path("counts").path("reused").asLong()).isEqualTo(100);
    assertThat(third.path("counts").path("generated").asLong()).isZero();
  }

  @Test
  void aFeedThatSuddenlyLostMostOfItsProductsIsHeldUntilConfirmed() throws Exception {
    startScheduler("api-1");
    putFeed("feeds/hold.csv", csv(products(1, 10, ScheduledRunsTest::product)));
    String schedule = schedule("feeds/hold.csv", "");
    runToCompletion(schedule);

    putFeed("feeds/hold.csv", csv(products(1, 3, ScheduledRunsTest::product)));
    String held = id(runNow(schedule));
    JsonNode run = awaitRun(schedule, held, "HELD");
    assertThat(run.path("reason").asString()).contains("7 of the last catalog's 10 lines (70%)");
    assertThat(run.path("links").path("confirm").asString()).endsWith("/confirm");
    assertThat(
            count(
                "SELECT count(*) FROM schedule_catalog WHERE schedule_id = CAST(? AS uuid)",
                schedule))
        .as("nothing removed while held")
        .isEqualTo(10);

    ok(api().call("POST", "/v1/schedules/" + schedule + "/runs/" + held + "/confirm", null), 202);
    JsonNode confirmed = awaitRun(schedule, held, "COMPLETED");
    assertThat(confirmed.path("counts").path("removed").asLong()).isEqualTo(7);
    assertThat(confirmed.path("confirmedAt").isNull()).isFalse();

    // a held run rejected leaves the catalog as it was
    putFeed("feeds/hold.csv", csv(products(1, 1, ScheduledRunsTest::product)));
    String second = id(runNow(schedule));
    awaitRun(schedule, second, "HELD");
    ok(api().call("POST", "/v1/schedules/" + schedule + "/runs/" + second + "/reject", null), 200);
    assertThat(run(schedule, second).path("state").asString()).isEqualTo("REJECTED");
    assertThat(
            count(
                "SELECT count(*) FROM schedule_catalog WHERE schedule_id = CAST(? AS uuid)",
                schedule))
        .isEqualTo(3);
  }

  @Test
  void badRowsAreSkippedAndReportedByLineOrRejectTheRunPerSchedule() throws Exception {
    startScheduler("api-1");
    List<String> rows = products(1, 5, ScheduledRunsTest::product);
    rows.set(1, "P-002,,blue,1.00"); // no title: line 3
    rows.set(3, "P-001,Duplicate,blue,1.00"); // line 5
    putFeed("feeds/bad.csv", csv(rows));
    String skip = schedule("feeds/bad.csv", "");

    JsonNode run = runToCompletion(skip);
    assertThat(run.path("products").path("badRows").asLong()).isEqualTo(2);
    assertThat(run.path("counts").path("generated").asLong()).isEqualTo(3);
    JsonNode errors = ok(api().get("/v1/schedules/" + skip + "/runs/" + id(run) + "/errors"), 200);
    // line 3: no title (and so nothing for the template's {{title}}); line 5: a SKU seen before
    assertThat(errors.path("errors").findValuesAsString("line")).containsOnly("3", "5");
    assertThat(errors.path("errors").findValuesAsString("field")).contains("title", "sku");
    assertThat(errors.toString()).contains("duplicate sku 'P-001' (first at line 2)");

    String reject = schedule("feeds/bad.csv", ", \"badRows\": \"reject\"");
    String rejected = id(runNow(reject));
    JsonNode r = awaitRun(reject, rejected, "REJECTED");
    assertThat(r.path("reason").asString()).contains("2 bad rows").contains("line 3");
    assertThat(r.path("batchId").isNull()).isTrue();
  }

  @Test
  void aScheduleKeepsItsGenerationSettingsForEveryRunAndOtherSettingsRemakeTheImages()
      throws Exception {
    Answer refused =
        api()
            .call(
                "POST",
                "/v1/schedules",
                """
                {"dailyAt": "02:00", "source": {"objectKey": "feeds/settings.csv"},
                 "batch": {"tier": "fast", "variants": [{"name": "main", "aspectRatio": "1:1", "size": "1K"}],
                           "generation": {"thinkingLevel": "high",
                           "personGeneration": "allow_adult", "quality": "high"}}}
                """);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.body().path("errors").findValuesAsString("field"))
        .containsExactlyInAnyOrder("batch.generation.personGeneration", "batch.generation.quality");
    assertThat(refused.body().path("errors").toString()).contains("gemini-3.1-flash-image");

    startScheduler("api-1");
    putFeed("feeds/settings.csv", csv(products(1, 3, ScheduledRunsTest::product)));
    String schedule =
        id(
            createSchedule(
                """
                {"name": "nightly", "dailyAt": "02:00", "timeZone": "Europe/Berlin",
                 "deadline": "06:00", "source": {"objectKey": "feeds/settings.csv"},
                 "batch": {"tier": "fast", "variants": [{"name": "main", "aspectRatio": "1:1",
                           "size": "1K"}], "promptTemplate": "Photo of {{title}}",
                           "generation": {"thinkingLevel": "high", "googleSearch": true}}}
                """));
    ObjectNode batchOptions =
        (ObjectNode) ok(api().get("/v1/schedules/" + schedule), 200).path("batch");
    assertThat(batchOptions.path("generation").path("thinkingLevel").asString()).isEqualTo("high");

    JsonNode first = runToCompletion(schedule);
    assertThat(first.path("counts").path("generated").asLong()).isEqualTo(3);
    assertThat(batchSettings(first).path("thinkingLevel").asString()).isEqualTo("high");
    assertThat(batchSettings(first).path("googleSearch").asBoolean()).isTrue();

    // the same settings: nothing to make; other settings: every image is made again with them
    assertThat(runToCompletion(schedule).path("counts").path("reused").asLong()).isEqualTo(3);
    batchOptions.set("generation", Json.mapper().readTree("{\"thinkingLevel\": \"low\"}"));
    ok(
        api().call("PUT", "/v1/schedules/" + schedule, updated("feeds/settings.csv", batchOptions)),
        200);
    JsonNode third = runToCompletion(schedule);
    assertThat(third.path("counts").path("generated").asLong()).isEqualTo(3);
    assertThat(batchSettings(third).path("thinkingLevel").asString()).isEqualTo("low");
  }

  private static String updated(String feedKey, JsonNode batchOptions) {
    return Json.mapper()
        .writeValueAsString(
            Map.of(
                "name", "nightly",
                "dailyAt", "02:00",
                "timeZone", "Europe/Berlin",
                "deadline", "06:00",
                "source", Map.of("objectKey", feedKey),
                "format", "csv",
                "batch", batchOptions));
  }

  /** The generation settings stored with a run's batch: what its items send. */
  private JsonNode batchSettings(JsonNode run) throws Exception {
    return Json.mapper()
        .readTree(
            jdbc.sql("SELECT spec::text FROM batches WHERE batch_id = CAST(:b AS uuid)")
                .param("b", run.path("batchId").asString())
                .query(String.class)
                .single())
        .path("generation");
  }

  @Test
  void aRunDueWhileThePreviousIsOpenIsSkippedOrQueuedByTheOverlapPolicy() throws Exception {
    startScheduler("api-1");
    putFeed("feeds/overlap.csv", csv(products(1, 3, ScheduledRunsTest::product)));
    String schedule = schedule("feeds/overlap.csv", "");
    String first = id(runNow(schedule));
    JsonNode generating = awaitRun(schedule, first, "GENERATING");

    JsonNode skipped = runNow(schedule);
    assertThat(skipped.path("state").asString()).isEqualTo("SKIPPED");
    assertThat(skipped.path("reason").asString()).contains(first).contains("overlap: skip");

    JsonNode spec = ok(api().get("/v1/schedules/" + schedule), 200);
    String updated =
        Json.mapper()
            .writeValueAsString(
                Map.of(
                    "name", "nightly",
                    "dailyAt", "02:00",
                    "timeZone", "Europe/Berlin",
                    "source", Map.of("objectKey", "feeds/overlap.csv"),
                    "batch", spec.path("batch"),
                    "overlap", "queue-one"));
    ok(api().call("PUT", "/v1/schedules/" + schedule, updated), 200);
    JsonNode queued = runNow(schedule);
    assertThat(queued.path("state").asString()).isEqualTo("QUEUED");
    assertThat(runNow(schedule).path("reason").asString()).contains("already queued");

    completeItems(generating.path("batchId").asString());
    awaitRun(schedule, first, "COMPLETED");
    // the queued run starts when the open one ends; nothing changed, so it ends at once
    JsonNode after = awaitRun(schedule, id(queued), "COMPLETED");
    assertThat(after.path("counts").path("reused").asLong()).isEqualTo(3);
  }

  @Test
  void aFeedThatCannotBeFetchedIsRetriedWithBackoffUntilTheDeadlineRequiresGivingUp()
      throws Exception {
    ok(api().call("PUT", "/v1/tenant/webhook", "{\"url\": \"http://127.0.0.1:9/hooks\"}"), 200);
    startScheduler("api-1");
    try (TestFeedServer server = new TestFeedServer()) {
      server.status("/feed.csv", 503);
      // 12:00 UTC is 13:00 in Berlin: the deadline is at 15:00, generating needs 10 minutes
      String schedule =
          id(
              createSchedule(
                  """
                  {"dailyAt": "02:00", "timeZone": "Europe/Berlin", "deadline": "15:00",
                   "source": {"url": "%s"}, "batch": {"variantPreset": "marketplace"}}
                  """
                      .formatted(server.url("/feed.csv"))));
      String run = id(runNow(schedule));
      for (int attempt = 1; attempt < 30; attempt++) {
        int tried = attempt;
        JsonNode state =
            await()
                .atMost(Duration.ofSeconds(10))
                .until(
                    () -> run(schedule, run),
                    r ->
                        r.path("fetchAttempts").asInt() >= tried
                            || r.path("state").asString().equals("FETCH_FAILED"));
        if (state.path("state").asString().equals("FETCH_FAILED")) {
          break;
        }
        assertThat(state.path("reason").asString()).contains("HTTP 503");
        clock.set(java.time.Instant.parse(state.path("nextAttemptAt").asString()));
      }
      JsonNode failed = run(schedule, run);
      assertThat(failed.path("state").asString()).isEqualTo("FETCH_FAILED");
      assertThat(failed.path("fetchAttempts").asInt()).isGreaterThanOrEqualTo(3);
      assertThat(failed.path("reason").asString())
          .contains("HTTP 503")
          .contains("no time for another before the deadline");
      assertThat(server.requests).hasSizeGreaterThanOrEqualTo(3);
      // the backoff grows: attempts spread over more than an hour of the moved clock
      assertThat(
              Duration.between(
                  java.time.Instant.parse(failed.path("startedAt").asString()),
                  java.time.Instant.parse(failed.path("finishedAt").asString())))
          .isGreaterThan(Duration.ofMinutes(30));
      assertThat(
              jdbc.sql(
                      "SELECT body FROM webhook_events WHERE type = 'schedule.run_failed'"
                          + " AND body LIKE :run")
                  .param("run", "%" + run + "%")
                  .query(String.class)
                  .list())
          .singleElement()
          .asString()
          .contains("FETCH_FAILED")
          .contains("HTTP 503");
    } finally {
      ok(api().call("PUT", "/v1/tenant/webhook", "{\"url\": null}"), 200);
    }
  }

  private List<String> itemLanes(String batch) {
    return jdbc.sql(
            "SELECT DISTINCT lane FROM items WHERE batch_id = CAST(:b AS uuid)"
                + " UNION SELECT lane FROM batches WHERE batch_id = CAST(:b AS uuid)")
        .param("b", batch)
        .query(String.class)
        .list();
  }

  @Test
  void aNightlyRunWhoseDeadlineLeavesRoomGoesToTheProvidersBatchLaneByDefault() throws Exception {
    startScheduler("api-1");
    putFeed("feeds/batch-lane.csv", csv(products(1, 5, ScheduledRunsTest::product)));
    // 12:00 UTC: the 06:00 Berlin deadline is 17 h away, room for a provider job (the 8 h
    // turnaround prior of a fresh install) and a real-time fallback: half price, no option needed
    String roomy = schedule("feeds/batch-lane.csv", "");
    JsonNode run = awaitRun(roomy, id(runNow(roomy)), "GENERATING");
    assertThat(itemLanes(run.path("batchId").asString())).containsExactly("batch");

    // 16:00 Berlin is 3 h away: no room for a provider job, real time in the scheduled lane
    String tight =
        id(
            createSchedule(
                """
                {"dailyAt": "02:00", "timeZone": "Europe/Berlin", "deadline": "16:00",
                 "source": {"objectKey": "feeds/batch-lane.csv"},
                 "batch": {"variants": [{"name": "main"}], "promptTemplate": "Photo of {{title}}"}}
                """));
    JsonNode tightRun = awaitRun(tight, id(runNow(tight)), "GENERATING");
    assertThat(itemLanes(tightRun.path("batchId").asString())).containsExactly("scheduled");
  }

  @Test
  void aRunItsBudgetsCannotFinishByTheDeadlineIsFlaggedAtRiskSayingByHowMuch() throws Exception {
    ok(api().call("PUT", "/v1/tenant/webhook", "{\"url\": \"http://127.0.0.1:9/hooks\"}"), 200);
    try {
      startScheduler("api-1");
      putFeed("feeds/late.csv", csv(products(1, 99, ScheduledRunsTest::product)));
      // 12:00 UTC is 13:00 in Berlin: an hour to the deadline, 99 images at 1 per minute
      String schedule =
          id(
              createSchedule(
                  """
                  {"dailyAt": "02:00", "timeZone": "Europe/Berlin", "deadline": "14:00",
                   "source": {"objectKey": "feeds/late.csv"},
                   "batch": {"variants": [{"name": "main"}], "promptTemplate": "Photo of {{title}}"}}
                  """));
      JsonNode run = awaitRun(schedule, id(runNow(schedule)), "GENERATING");

      assertThat(run.path("lane").asString()).isEqualTo("scheduled");
      assertThat(run.path("atRisk").asString())
          .containsPattern("is after the deadline 2026-12-07T13:00:00Z by (\\d+h )?\\d+m")
          .contains("99 items");
      assertThat(
              jdbc.sql(
                      "SELECT count(*) FROM webhook_events WHERE type = 'batch.at_risk'"
                          + " AND batch_id = CAST(:b AS uuid)")
                  .param("b", run.path("batchId").asString())
                  .query(Long.class)
                  .single())
          .isEqualTo(1);
    } finally {
      ok(api().call("PUT", "/v1/tenant/webhook", "{\"url\": null}"), 200);
    }
  }

  @Test
  void aFeedUrlThatPointsInsideIsRefusedAtCreationAndAtEveryRedirect() throws Exception {
    for (String url :
        List.of(
            "https://169.254.169.254/latest/meta-data/",
            "https://localhost/feed.csv",
            "https://10.0.0.8/feed.csv",
            "https://[::1]/feed.csv",
            "ftp://feeds.example.com/feed.csv",
            "https://user:secret@feeds.example.com/feed.csv")) {
      Answer refused =
          api()
              .call(
                  "POST",
                  "/v1/schedules",
                  """
                  {"dailyAt": "02:00", "source": {"url": "%s"},
                   "batch": {"variantPreset": "marketplace"}}
                  """
                      .formatted(url));
      assertThat(refused.status()).as(url).isEqualTo(400);
      assertThat(refused.body().path("errors").get(0).path("field").asString())
          .isEqualTo("source.url");
    }

    startScheduler("api-1");
    try (TestFeedServer server = new TestFeedServer()) {
      // the feed host is allowed; its redirect to localhost (not allowed) is not followed
      server.redirect("/feed.csv", "http://localhost:" + server.port() + "/internal.csv");
      server.serve("/internal.csv", csv(products(1, 2, ScheduledRunsTest::product)));
      String schedule =
          id(
              createSchedule(
                  """
                  {"dailyAt": "02:00", "source": {"url": "%s"},
                   "batch": {"variantPreset": "marketplace"}}
                  """
                      .formatted(server.url("/feed.csv"))));
      String run = id(runNow(schedule));
      JsonNode failed = awaitRun(schedule, run, "FETCH_FAILED");
      assertThat(failed.path("reason").asString()).contains("localhost").contains("loopback");
      assertThat(server.requests)
          .extracting(TestFeedServer.Request::path)
          .containsOnly("/feed.csv");
    }
  }

  @Test
  void credentialsAreSentSealedAtRestAndNeverShownBack() throws Exception {
    startScheduler("api-1");
    try (TestFeedServer server = new TestFeedServer()) {
      server.serveGzipped(
          "/private.csv.gz",
          csv(products(1, 4, ScheduledRunsTest::product)),
          "Bearer s3cr3t-token");
      JsonNode created =
          createSchedule(
              """
              {"dailyAt": "02:00", "source": {"url": "%s",
                 "credentials": {"type": "bearer", "token": "s3cr3t-token"}},
               "batch": {"variants": [{"name": "main"}],
                         "promptTemplate": "Photo of {{title}}"}}
              """
                  .formatted(server.url("/private.csv.gz")));
      String schedule = id(created);
      assertThat(created.toString()).doesNotContain("s3cr3t");
      assertThat(created.path("source").path("credentials").path("stored").asString())
          .isEqualTo("encrypted");
      assertThat(ok(api().get("/v1/schedules"), 200).toString()).doesNotContain("s3cr3t");
      String sealed =
          jdbc.sql(
                  "SELECT sealed_secret || spec::text FROM schedules WHERE schedule_id = CAST(:s AS uuid)")
              .param("s", schedule)
              .query(String.class)
              .single();
      assertThat(sealed).startsWith("v1:").doesNotContain("s3cr3t");

      JsonNode run = awaitRun(schedule, id(runNow(schedule)), "GENERATING");
      assertThat(run.path("products").path("new").asLong()).isEqualTo(4);
      assertThat(server.requests.get(0).authorization()).isEqualTo("Bearer s3cr3t-token");

      // an update without credentials keeps them (same host); a secret is never echoed
      JsonNode updated =
          ok(
              api()
                  .call(
                      "PUT",
                      "/v1/schedules/" + schedule,
                      """
                      {"dailyAt": "03:00", "source": {"url": "%s"},
                       "batch": {"variants": [{"name": "main"}]}}
                      """
                          .formatted(server.url("/private.csv.gz"))),
              200);
      assertThat(updated.path("source").path("credentials").path("type").asString())
          .isEqualTo("bearer");
    }
  }

  @Test
  void anotherTenantsSchedulesAndRunsAnswer404() throws Exception {
    putFeed("feeds/mine.csv", csv(products(1, 1, ScheduledRunsTest::product)));
    String schedule = schedule("feeds/mine.csv", "");
    String run = id(runNow(schedule));
    String otherKey = otherTenantKey();
    for (String[] call :
        List.of(
            new String[] {"GET", "/v1/schedules/" + schedule},
            new String[] {"PUT", "/v1/schedules/" + schedule},
            new String[] {"DELETE", "/v1/schedules/" + schedule},
            new String[] {"POST", "/v1/schedules/" + schedule + "/pause"},
            new String[] {"POST", "/v1/schedules/" + schedule + "/run"},
            new String[] {"GET", "/v1/schedules/" + schedule + "/runs"},
            new String[] {"GET", "/v1/schedules/" + schedule + "/runs/" + run},
            new String[] {"GET", "/v1/schedules/" + schedule + "/runs/" + run + "/manifest"},
            new String[] {"POST", "/v1/schedules/" + schedule + "/runs/" + run + "/confirm"})) {
      Answer a =
          api()
              .call(
                  call[0],
                  call[1],
                  "Bearer " + otherKey,
                  "application/json",
                  call[0].equals("PUT")
                      ? "{\"dailyAt\": \"01:00\", \"source\": {\"objectKey\": \"x.csv\"},"
                          + " \"batch\": {\"variantPreset\": \"marketplace\"}}"
                      : null);
      assertThat(a.status()).as(call[0] + " " + call[1]).isEqualTo(404);
    }
    assertThat(
            ok(
                    api()
                        .call(
                            "GET", "/v1/schedules", "Bearer " + otherKey, "application/json", null),
                    200)
                .path("schedules"))
        .isEmpty();
    assertThat(ok(api().get("/v1/schedules/" + schedule), 200).path("id").asString())
        .isEqualTo(schedule);
  }

  private String otherTenantKey() throws Exception {
    String admin = "Bearer " + ApiTestInfrastructure.ADMIN_TOKEN;
    JsonNode tenant =
        ok(
            api()
                .call(
                    "POST",
                    "/v1/admin/tenants",
                    admin,
                    "application/json",
                    "{\"name\": \"other-" + java.util.UUID.randomUUID() + "\"}"),
            201);
    return ok(
            api()
                .call(
                    "POST",
                    "/v1/admin/tenants/" + tenant.path("id").asString() + "/keys",
                    admin,
                    "application/json",
                    "{\"name\": \"ci\"}"),
            201)
        .path("key")
        .asString();
  }

  @Test
  void everyInvalidFieldIsA400NamingIt() throws Exception {
    Answer a =
        api()
            .call(
                "POST",
                "/v1/schedules",
                """
                {"cron": "61 * * * *", "timeZone": "Mars/Olympus", "deadline": "25:00",
                 "source": {"objectKey": "../other-tenant/feed.csv"}, "format": "xlsx",
                 "fieldMapping": {"price": "cost"}, "overlap": "always", "badRows": "maybe",
                 "holdWhenLost": 2,
                 "batch": {"tier": "cheapest", "variants": [{"name": "main", "size": "9K"}]}}
                """);
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.body().path("errors").findValuesAsString("field"))
        .contains(
            "cron",
            "timeZone",
            "deadline",
            "source.objectKey",
            "format",
            "fieldMapping.price",
            "overlap",
            "badRows",
            "holdWhenLost",
            "batch.tier",
            "batch.variants[0].size");

    assertThat(
            api()
                .call("POST", "/v1/schedules", "{\"dailyAt\": \"02:00\", \"bogus\": 1}")
                .body()
                .path("errors")
                .get(0)
                .path("message")
                .asString())
        .contains("unknown field 'bogus'");
    assertThat(api().call("POST", "/v1/schedules", "{not json").status()).isEqualTo(400);
    assertThat(api().call("POST", "/v1/schedules", "").status()).isEqualTo(400);
    assertThat(api().get("/v1/schedules/not-a-uuid").status()).isEqualTo(404);
    assertThat(api().get("/v1/schedules/" + java.util.UUID.randomUUID() + "/runs").status())
        .isEqualTo(404);
  }
}
