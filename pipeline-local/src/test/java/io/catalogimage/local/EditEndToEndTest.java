package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.SignatureMode;
import io.catalogimage.simulator.gemini.ThoughtSignatures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Edits end to end (issue 18), against a simulator that refuses any missing or altered thought
 * signature (strict mode): the conversation kept with a succeeded item is replayed byte for byte on
 * the model that made the image, the new image is a new version, a blocked edit keeps the image,
 * and versions are listed and restored.
 */
class EditEndToEndTest {

  private static final String NB2 = "gemini-3.1-flash-image";
  private static final String PRO = "gemini-3-pro-image";

  private static LocalPipeline pipeline;
  private static ApiClient api;
  private static String batch;

  @BeforeAll
  static void start() {
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(
                    SimulatorConfig.defaults()
                        .withoutPeak()
                        .withTimeScale(0)
                        .withSignatures(SignatureMode.STRICT))
                .withProperty("pipeline.retry.backoff-base", "100ms")
                // the shared budget paces the bulk edit: 10 calls a second on Nano Banana 2
                .withProperty("pipeline.budgets.models[" + NB2 + "].requests-per-minute", 600),
            step -> {});
    api = pipeline.client();
    batch =
        Pipelines.submit(
            pipeline,
            """
            {"name": "edits", "tier": "fast", "allowSafetyReroute": true,
             "generation": {"thinkingLevel": "high", "includeThoughts": true, "googleSearch": true},
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "altTextLocales": ["en"],
             "items": [{"sku": "WATCH", "title": "Leather watch with a red strap"},
                       {"sku": "KNIFE", "title": "Chef knife [sim:IMAGE_SAFETY@%s]"},
                       {"sku": "MUG", "title": "Stoneware mug"},
                       {"sku": "VASE", "title": "Glass vase"},
                       {"sku": "LAMP", "title": "Brass desk lamp"},
                       {"sku": "PLATE", "title": "Porcelain dinner plate"},
                       {"sku": "CUP", "title": "Espresso cup"}]}
            """
                .formatted(NB2)
                .getBytes(StandardCharsets.UTF_8));
    // generous: on a loaded shared machine 7 items have taken 70 s
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(180));
  }

  @AfterAll
  static void stop() {
    pipeline.close();
  }

  private static Map<String, Object> item(String sku) {
    return Pipelines.jdbc(pipeline)
        .sql(
            """
            SELECT CAST(item_id AS text) AS id, state, image_key, sidecar_key, model_served,
                   turn_attempt, attempts
              FROM items WHERE batch_id = CAST(:b AS uuid) AND sku = :sku
            """)
        .param("b", batch)
        .param("sku", sku)
        .query()
        .singleRow();
  }

  private static String path(String sku) {
    return "/v1/batches/" + batch + "/items/" + item(sku).get("id");
  }

  private static ApiClient.Answer edit(String sku, String instruction) {
    return api.post(
        path(sku) + "/edits", "{\"instruction\": " + SimClientJson.quote(instruction) + "}");
  }

  /** Queues an edit, waits for it to end, answers its final view. */
  private static JsonNode editAndWait(String sku, String instruction) {
    ApiClient.Answer queued = edit(sku, instruction);
    assertThat(queued.status()).as(String.valueOf(queued.body())).isEqualTo(202);
    assertThat(queued.body().path("state").asString()).isEqualTo("PENDING");
    String id = queued.body().path("editId").asString();
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> !"PENDING".equals(editView(sku, id).path("state").asString()));
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));
    return editView(sku, id);
  }

  private static JsonNode editView(String sku, String id) {
    for (JsonNode e : api.get(path(sku) + "/edits").body().path("edits")) {
      if (e.path("editId").asString().equals(id)) {
        return e;
      }
    }
    throw new AssertionError("no edit " + id);
  }

  private static byte[] object(String key) {
    return pipeline.api().getBean(ObjectStore.class).get(key).orElseThrow();
  }

  private static List<String> attemptModels(String sku) {
    return Pipelines.jdbc(pipeline)
        .sql(
            "SELECT a.model_requested || ' ' || a.outcome || ' ' || (a.edit_id IS NOT NULL)"
                + " FROM attempts a WHERE a.item_id = CAST(:i AS uuid) ORDER BY a.attempt_no")
        .param("i", item(sku).get("id"))
        .query(String.class)
        .list();
  }

  @Test
  void edits_on_nb2_echo_every_signature_byte_for_byte_and_make_new_versions() {
    Map<String, Object> before = item("WATCH");
    assertThat(before.get("model_served")).isEqualTo(NB2);
    String firstKey = (String) before.get("image_key");
    ThoughtSignatures.Counts sigs = pipeline.simulator().signatures();

    JsonNode first = editAndWait("WATCH", "Make the strap dark green");
    assertThat(first.path("state").asString()).as(first.toString()).isEqualTo("SUCCEEDED");
    assertThat(first.path("turn").asInt()).isEqualTo(1);
    assertThat(first.path("model").asString()).isEqualTo(NB2);
    assertThat(first.path("costUsd").decimalValue()).isPositive();

    Map<String, Object> after = item("WATCH");
    assertThat(after.get("state")).isEqualTo("SUCCEEDED");
    assertThat((String) after.get("image_key")).isNotEqualTo(firstKey).endsWith(".a2.png");
    // the previous version stays, and the new one looks different
    assertThat(Arrays.equals(object(firstKey), object((String) after.get("image_key")))).isFalse();
    // a second edit replays two model turns: four signatures (text + image each), all intact
    JsonNode second = editAndWait("WATCH", "Now put it on a marble table");
    assertThat(second.path("state").asString()).isEqualTo("SUCCEEDED");
    assertThat(second.path("turn").asInt()).isEqualTo(2);
    ThoughtSignatures.Counts now = pipeline.simulator().signatures();
    assertThat(now.refused() - sigs.refused()).as("strict mode refused nothing").isZero();
    assertThat(now.verified() - sigs.verified()).as("2 echoed, then 4").isEqualTo(6);
    assertThat(attemptModels("WATCH"))
        .containsExactly(
            NB2 + " SUCCEEDED false", NB2 + " SUCCEEDED true", NB2 + " SUCCEEDED true");
    // the sidecar of the newest version says what it edits
    JsonNode sidecar =
        tools.jackson.databind.json.JsonMapper.builder()
            .build()
            .readTree(object((String) item("WATCH").get("sidecar_key")));
    assertThat(sidecar.path("edit").path("instruction").asString())
        .isEqualTo("Now put it on a marble table");

    JsonNode versions = api.get(path("WATCH") + "/versions").body();
    assertThat(versions.path("versions")).hasSize(3);
    assertThat(versions.path("currentVersion").asInt()).isEqualTo(3);
    assertThat(versions.path("versions").get(2).path("editOf").asInt()).isEqualTo(2);
    assertThat(versions.path("versions").get(2).path("instruction").asString())
        .isEqualTo("Now put it on a marble table");
    assertThat(versions.path("versions").get(0).path("instruction").isNull()).isTrue();

    // restore the original: the item and the manifest point at it, and the next edit builds on it
    ApiClient.Answer restored = api.post(path("WATCH") + "/versions/1/restore");
    assertThat(restored.status()).as(String.valueOf(restored.body())).isEqualTo(200);
    assertThat(restored.body().path("currentVersion").asInt()).isEqualTo(1);
    assertThat(item("WATCH").get("image_key")).isEqualTo(firstKey);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              String manifest =
                  Pipelines.jdbc(pipeline)
                      .sql("SELECT manifest_key FROM batches WHERE batch_id = CAST(:b AS uuid)")
                      .param("b", batch)
                      .query(String.class)
                      .optional()
                      .orElse(null);
              return manifest != null
                  && new String(object(manifest), StandardCharsets.UTF_8).contains(firstKey);
            });
    JsonNode third = editAndWait("WATCH", "Make the strap brown");
    assertThat(third.path("state").asString()).isEqualTo("SUCCEEDED");
    assertThat(third.path("editedVersion").asInt()).isEqualTo(1);
  }

  @Test
  void an_item_made_before_conversations_were_kept_is_edited_from_its_stored_image() {
    Map<String, Object> before = item("PLATE");
    String original = (String) before.get("image_key");
    // as an item made before V80: its image is stored, its conversation is not
    Pipelines.jdbc(pipeline)
        .sql("DELETE FROM item_turns WHERE item_id = CAST(:i AS uuid)")
        .param("i", before.get("id"))
        .update();
    assertThat(api.get(path("PLATE") + "/versions").body().path("versions")).isEmpty();
    ThoughtSignatures.Counts sigs = pipeline.simulator().signatures();

    JsonNode first = editAndWait("PLATE", "Paint a blue rim on the plate");
    assertThat(first.path("state").asString()).as(first.toString()).isEqualTo("SUCCEEDED");
    assertThat(first.path("model").asString()).isEqualTo(NB2);
    ThoughtSignatures.Counts afterFirst = pipeline.simulator().signatures();
    assertThat(afterFirst.refused() - sigs.refused()).isZero();
    assertThat(afterFirst.verified() - sigs.verified()).as("a fresh conversation").isZero();
    // the stored image went in the user turn: the call was billed an input image (258 tokens)
    Map<String, Object> call =
        Pipelines.jdbc(pipeline)
            .sql(
                "SELECT tokens_in, model_requested FROM attempts WHERE item_id = CAST(:i AS uuid)"
                    + " AND edit_id IS NOT NULL")
            .param("i", before.get("id"))
            .query()
            .singleRow();
    assertThat((Integer) call.get("tokens_in")).isGreaterThanOrEqualTo(258);
    assertThat(call.get("model_requested")).isEqualTo(NB2);
    String edited = (String) item("PLATE").get("image_key");
    assertThat(edited).isNotEqualTo(original);
    assertThat(Arrays.equals(object(original), object(edited))).isFalse();

    // the stored image is a version of its own, and the edit's parent
    JsonNode versions = api.get(path("PLATE") + "/versions").body().path("versions");
    assertThat(versions).hasSize(2);
    assertThat(versions.get(0).path("imageKey").asString()).isEqualTo(original);
    assertThat(versions.get(0).path("model").asString()).isEqualTo(NB2);
    assertThat(versions.get(1).path("editOf").asInt())
        .isEqualTo(versions.get(0).path("version").asInt());

    // the next edit replays the fresh conversation: the image and instruction, then the model's
    // answer with its two signatures, echoed intact
    JsonNode second = editAndWait("PLATE", "Now put a fork beside it");
    assertThat(second.path("state").asString()).as(second.toString()).isEqualTo("SUCCEEDED");
    ThoughtSignatures.Counts afterSecond = pipeline.simulator().signatures();
    assertThat(afterSecond.refused() - sigs.refused()).isZero();
    assertThat(afterSecond.verified() - afterFirst.verified()).isEqualTo(2);

    // the stored image can be restored, and edited again from there
    ApiClient.Answer restored =
        api.post(
            path("PLATE") + "/versions/" + versions.get(0).path("version").asInt() + "/restore");
    assertThat(restored.status()).as(String.valueOf(restored.body())).isEqualTo(200);
    assertThat(item("PLATE").get("image_key")).isEqualTo(original);
    assertThat(editAndWait("PLATE", "Make the plate square").path("state").asString())
        .isEqualTo("SUCCEEDED");
    assertThat(pipeline.simulator().signatures().refused() - sigs.refused()).isZero();
  }

  @Test
  void an_item_with_neither_a_kept_conversation_nor_a_stored_image_answers_409() {
    Pipelines.jdbc(pipeline)
        .sql(
            "WITH gone AS (DELETE FROM item_turns WHERE item_id = CAST(:i AS uuid))"
                + " UPDATE items SET image_key = NULL WHERE item_id = CAST(:i AS uuid)")
        .param("i", item("CUP").get("id"))
        .update();
    ApiClient.Answer refused = edit("CUP", "Make it red");
    assertThat(refused.status()).as(String.valueOf(refused.body())).isEqualTo(409);
    assertThat(refused.body().path("detail").asString()).contains("no stored image");
    assertThat(api.get(path("CUP") + "/edits").body().path("edits")).isEmpty();
  }

  @Test
  void an_item_made_by_the_fallback_model_is_edited_on_that_model() {
    Map<String, Object> knife = item("KNIFE");
    assertThat(knife.get("model_served")).isEqualTo(PRO);
    JsonNode edit = editAndWait("KNIFE", "Show the blade from the side");
    assertThat(edit.path("state").asString()).as(edit.toString()).isEqualTo("SUCCEEDED");
    assertThat(edit.path("model").asString()).isEqualTo(PRO);
    List<String> calls = attemptModels("KNIFE");
    assertThat(calls.get(calls.size() - 1)).isEqualTo(PRO + " SUCCEEDED true");
    assertThat(pipeline.simulator().signatures().refused()).isZero();
  }

  @Test
  void a_blocked_edit_ends_blocked_and_keeps_the_previous_image() {
    Map<String, Object> before = item("MUG");
    JsonNode edit = editAndWait("MUG", "Print a skull on it [sim:IMAGE_SAFETY]");
    assertThat(edit.path("state").asString()).as(edit.toString()).isEqualTo("BLOCKED");
    assertThat(edit.path("errorType").asString()).isEqualTo("IMAGE_SAFETY");
    assertThat(edit.path("calls").asInt()).as("never retried blindly, never rerouted").isEqualTo(1);
    Map<String, Object> after = item("MUG");
    assertThat(after.get("state")).isEqualTo("SUCCEEDED");
    assertThat(after.get("image_key")).isEqualTo(before.get("image_key"));
    assertThat(attemptModels("MUG")).last().isEqualTo(NB2 + " BLOCKED true");
    assertThat(api.get(path("MUG") + "/versions").body().path("versions")).hasSize(1);
  }

  @Test
  void bad_edits_get_a_problem_that_says_what_is_wrong() {
    ApiClient.Answer empty = edit("MUG", "   ");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.body().path("parameter").asString()).isEqualTo("instruction");
    ApiClient.Answer tooLong = edit("MUG", "x".repeat(2001));
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.body().path("detail").asString()).contains("2001 characters");
    ApiClient.Answer missing = api.post(path("MUG") + "/edits", "{}");
    assertThat(missing.status()).isEqualTo(400);
    ApiClient.Answer unknown =
        api.post(
            "/v1/batches/" + batch + "/items/00000000-0000-0000-0000-000000000000/edits",
            "{\"instruction\": \"x\"}");
    assertThat(unknown.status()).isEqualTo(404);
    ApiClient.Answer noVersion = api.post(path("MUG") + "/versions/99/restore");
    assertThat(noVersion.status()).isEqualTo(404);
  }

  @Test
  void a_bulk_edit_of_100_items_runs_under_the_shared_budget_each_paid_once() {
    StringBuilder items = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      items
          .append(i == 0 ? "" : ",")
          .append("{\"sku\": \"B-%03d\", \"title\": \"Tote %d\"}".formatted(i, i));
    }
    String bulk =
        Pipelines.submit(
            pipeline,
            ("""
            {"name": "bulk", "tier": "fast",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "items": [%s]}
            """)
                .formatted(items)
                .getBytes(StandardCharsets.UTF_8));
    Pipelines.awaitCompleted(pipeline, bulk, Duration.ofSeconds(90));
    long limitedBefore = pipeline.simulator().stats().model(NB2).rateLimited();

    // a bad entry anywhere: nothing is queued
    ApiClient.Answer refused =
        api.post(
            "/v1/batches/" + bulk + "/edits",
            """
            {"edits": [{"sku": "B-000", "instruction": "Blue handles"},
                       {"sku": "NOPE", "instruction": "Blue handles"}]}
            """);
    assertThat(refused.status()).as(String.valueOf(refused.body())).isEqualTo(404);
    assertThat(refused.body().path("at").asString()).isEqualTo("edits[1]");
    assertThat(Pipelines.states(pipeline, bulk)).containsEntry("SUCCEEDED", 100L);

    ApiClient.Answer queued =
        api.post(
            "/v1/batches/" + bulk + "/edits",
            "{\"instruction\": \"Make the handles blue\", \"filter\": {\"variant\": \"listing\"}}");
    assertThat(queued.status()).as(String.valueOf(queued.body())).isEqualTo(202);
    assertThat(queued.body().path("queued").asInt()).isEqualTo(100);
    Pipelines.awaitCompleted(pipeline, bulk, Duration.ofSeconds(120));

    Map<String, Object> ledger =
        Pipelines.jdbc(pipeline)
            .sql(
                """
                SELECT count(*) FILTER (WHERE e.state = 'SUCCEEDED') AS succeeded,
                       count(*) AS edits,
                       (SELECT count(*) FROM attempts a WHERE a.batch_id = CAST(:b AS uuid)
                           AND a.edit_id IS NOT NULL) AS calls
                  FROM item_edits e WHERE e.batch_id = CAST(:b AS uuid)
                """)
            .param("b", bulk)
            .query()
            .singleRow();
    assertThat(ledger.get("edits")).isEqualTo(100L);
    assertThat(ledger.get("succeeded")).isEqualTo(100L);
    assertThat(ledger.get("calls")).as("one paid call per edit").isEqualTo(100L);
    assertThat(pipeline.simulator().stats().model(NB2).rateLimited() - limitedBefore)
        .as("paced by the budget, not by 429s")
        .isZero();
    assertThat(pipeline.simulator().signatures().refused()).isZero();
  }

  @Test
  void a_bulk_edit_under_a_cost_cap_stops_at_the_cap_keeps_the_images_and_resumes_when_raised() {
    StringBuilder items = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      items
          .append(i == 0 ? "" : ",")
          .append("{\"sku\": \"C-%02d\", \"title\": \"Scarf %d\"}".formatted(i, i));
    }
    String capped =
        Pipelines.submit(
            pipeline,
            ("""
            {"name": "capped edits", "tier": "fast",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "items": [%s]}
            """)
                .formatted(items)
                .getBytes(StandardCharsets.UTF_8));
    Pipelines.awaitCompleted(pipeline, capped, Duration.ofSeconds(120));
    var jdbc = Pipelines.jdbc(pipeline);
    java.math.BigDecimal spent =
        jdbc.sql("SELECT sum(cost_usd) FROM attempts WHERE batch_id = CAST(:b AS uuid)")
            .param("b", capped)
            .query(java.math.BigDecimal.class)
            .single();
    assertThat(spent).isPositive();
    java.math.BigDecimal perImage = spent.divide(java.math.BigDecimal.TEN);
    Map<String, String> imagesBefore = imageKeys(capped);
    // room for three and a half more images: the bulk edit of ten stops at the cap
    java.math.BigDecimal cap =
        spent
            .add(perImage.multiply(new java.math.BigDecimal("3.5")))
            .setScale(6, java.math.RoundingMode.DOWN);
    assertThat(
            api.put("/v1/batches/" + capped + "/cost-cap", "{\"costCapUsd\": " + cap + "}")
                .status())
        .isEqualTo(200);

    ApiClient.Answer queued =
        api.post(
            "/v1/batches/" + capped + "/edits",
            "{\"instruction\": \"Make the fringe longer\", \"filter\": {\"variant\": \"listing\"}}");
    assertThat(queued.status()).as(String.valueOf(queued.body())).isEqualTo(202);
    assertThat(queued.body().path("queued").asInt()).isEqualTo(10);
    Pipelines.awaitCompleted(pipeline, capped, Duration.ofSeconds(120));

    Map<String, Long> edits = editStates(capped);
    assertThat(edits.get("SUCCEEDED")).as(edits.toString()).isBetween(1L, 3L);
    assertThat(edits.get("CAP_REACHED")).isEqualTo(10L - edits.get("SUCCEEDED"));
    java.math.BigDecimal cost =
        jdbc.sql("SELECT sum(cost_usd) FROM attempts WHERE batch_id = CAST(:b AS uuid)")
            .param("b", capped)
            .query(java.math.BigDecimal.class)
            .single();
    assertThat(cost).as("never past the cap").isLessThanOrEqualTo(cap);
    // a stopped edit made no call and keeps the item's image: every item is still SUCCEEDED
    assertThat(Pipelines.states(pipeline, capped)).containsOnly(Map.entry("SUCCEEDED", 10L));
    assertThat(editCalls(capped)).isEqualTo(edits.get("SUCCEEDED"));
    Map<String, String> imagesAtCap = imageKeys(capped);
    long unchanged =
        imagesAtCap.entrySet().stream()
            .filter(e -> e.getValue().equals(imagesBefore.get(e.getKey())))
            .count();
    assertThat(unchanged).isEqualTo(edits.get("CAP_REACHED"));
    JsonNode stopped =
        api.get(
                "/v1/batches/"
                    + capped
                    + "/items/"
                    + imagesAtCap.entrySet().stream()
                        .filter(e -> e.getValue().equals(imagesBefore.get(e.getKey())))
                        .findFirst()
                        .orElseThrow()
                        .getKey()
                    + "/edits")
            .body()
            .path("edits")
            .get(0);
    assertThat(stopped.path("state").asString()).isEqualTo("CAP_REACHED");
    assertThat(stopped.path("errorType").asString()).isEqualTo("COST_CAP");

    // the cap removed: the stopped edits run, each paid once
    ApiClient.Answer raised =
        api.put("/v1/batches/" + capped + "/cost-cap", "{\"costCapUsd\": null}");
    assertThat(raised.status()).isEqualTo(200);
    assertThat(raised.body().path("resumedItems").asLong()).isEqualTo(edits.get("CAP_REACHED"));
    Pipelines.awaitCompleted(pipeline, capped, Duration.ofSeconds(120));
    assertThat(editStates(capped)).containsOnly(Map.entry("SUCCEEDED", 10L));
    assertThat(editCalls(capped)).isEqualTo(10L);
    assertThat(imageKeys(capped).values()).doesNotContainAnyElementsOf(imagesBefore.values());
  }

  private static Map<String, String> imageKeys(String batchId) {
    Map<String, String> keys = new java.util.TreeMap<>();
    Pipelines.jdbc(pipeline)
        .sql("SELECT CAST(item_id AS text), image_key FROM items WHERE batch_id = CAST(:b AS uuid)")
        .param("b", batchId)
        .query((rs, i) -> keys.put(rs.getString(1), rs.getString(2)))
        .list();
    return keys;
  }

  private static Map<String, Long> editStates(String batchId) {
    Map<String, Long> states = new java.util.TreeMap<>();
    Pipelines.jdbc(pipeline)
        .sql(
            "SELECT state, count(*) FROM item_edits WHERE batch_id = CAST(:b AS uuid) GROUP BY state")
        .param("b", batchId)
        .query((rs, i) -> states.put(rs.getString(1), rs.getLong(2)))
        .list();
    return states;
  }

  private static long editCalls(String batchId) {
    return Pipelines.jdbc(pipeline)
        .sql(
            "SELECT count(*) FROM attempts WHERE batch_id = CAST(:b AS uuid)"
                + " AND edit_id IS NOT NULL")
        .param("b", batchId)
        .query(Long.class)
        .single();
  }

  @Test
  void an_edit_after_a_worker_restart_replays_the_conversation_kept_in_postgres() {
    pipeline.workers().get(pipeline.workers().size() - 1).close();
    pipeline.startWorker();
    JsonNode edit = editAndWait("VASE", "Add flowers to it");
    assertThat(edit.path("state").asString()).as(edit.toString()).isEqualTo("SUCCEEDED");
    assertThat(pipeline.simulator().signatures().refused()).isZero();
  }

  @Test
  void a_merchant_edits_an_image_in_the_dashboard_and_sees_the_versions_side_by_side()
      throws java.io.IOException {
    java.nio.file.Path chromium = java.nio.file.Path.of("/usr/bin/chromium");
    java.nio.file.Path driver = java.nio.file.Path.of("/usr/bin/chromedriver");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.nio.file.Files.isExecutable(chromium) && java.nio.file.Files.isExecutable(driver),
        "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
    var options = new org.openqa.selenium.chrome.ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1200");
    var service =
        new org.openqa.selenium.chrome.ChromeDriverService.Builder()
            .usingDriverExecutable(driver.toFile())
            .build();
    org.openqa.selenium.WebDriver browser =
        new org.openqa.selenium.chrome.ChromeDriver(service, options);
    try {
      // the page re-renders the versions after each action: an element found just before that is
      // stale, and the next poll finds the new one
      var wait =
          new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(60))
              .ignoring(org.openqa.selenium.StaleElementReferenceException.class);
      browser.get(pipeline.apiUri() + "/dashboard");
      wait.until(
          org.openqa.selenium.support.ui.ExpectedConditions.visibilityOfElementLocated(
              org.openqa.selenium.By.id("api-key")));
      browser.findElement(org.openqa.selenium.By.id("api-key")).sendKeys(pipeline.apiKey());
      browser.findElement(org.openqa.selenium.By.id("sign-in-button")).click();
      var images =
          org.openqa.selenium.By.cssSelector(
              "tr[data-batch-id='" + batch + "'] button.show-images");
      wait.until(org.openqa.selenium.support.ui.ExpectedConditions.elementToBeClickable(images));
      browser.findElement(images).click();
      var lamp =
          org.openqa.selenium.By.cssSelector(
              "button.image-item[data-item-id='" + item("LAMP").get("id") + "']");
      wait.until(org.openqa.selenium.support.ui.ExpectedConditions.elementToBeClickable(lamp));
      browser.findElement(lamp).click();
      var figures = org.openqa.selenium.By.cssSelector("#versions figure.version");
      wait.until(
          org.openqa.selenium.support.ui.ExpectedConditions.numberOfElementsToBe(figures, 1));

      browser
          .findElement(org.openqa.selenium.By.id("edit-instruction"))
          .sendKeys("Give the lamp a green shade");
      browser.findElement(org.openqa.selenium.By.id("edit-submit")).click();
      wait.until(
          org.openqa.selenium.support.ui.ExpectedConditions.numberOfElementsToBe(figures, 2));
      assertThat(browser.findElement(org.openqa.selenium.By.id("edit-status")).getText())
          .contains("SUCCEEDED");
      // both images drawn from the api (blob: URLs under the page's strict CSP), newest shown
      var js = (org.openqa.selenium.JavascriptExecutor) browser;
      wait.until(
          b ->
              Long.valueOf(2)
                  .equals(
                      js.executeScript(
                          "return [...document.querySelectorAll('#versions img')]"
                              + ".filter(i => i.complete && i.naturalWidth > 0).length")));
      assertThat(
              browser
                  .findElement(org.openqa.selenium.By.cssSelector("figure.version.current"))
                  .getAttribute("data-version"))
          .isEqualTo("2");

      // restore the generated image from its figure
      browser
          .findElement(
              org.openqa.selenium.By.cssSelector("figure.version[data-version='1'] button.restore"))
          .click();
      wait.until(
          org.openqa.selenium.support.ui.ExpectedConditions.attributeToBe(
              org.openqa.selenium.By.cssSelector("figure.version.current"), "data-version", "1"));
      assertThat(item("LAMP").get("turn_attempt")).isEqualTo(1);
      java.nio.file.Path dir = java.nio.file.Path.of("target", "screenshots");
      java.nio.file.Files.createDirectories(dir);
      java.nio.file.Files.write(
          dir.resolve("dashboard-edit.png"),
          ((org.openqa.selenium.TakesScreenshot) browser)
              .getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
    } finally {
      browser.quit();
    }
  }

  /** JSON string quoting for instructions. */
  private static final class SimClientJson {
    static String quote(String s) {
      return tools.jackson.databind.json.JsonMapper.builder().build().writeValueAsString(s);
    }
  }
}
