package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.stats.ReceivedImages;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Alt text for every image whatever model made it, on the real local stack: an OpenAI image model
 * (which writes no text), captioned from the stored image by an OpenAI-compatible vision model
 * (chat completions) that is itself wrong once in each of the five ways, and a Gemini one whose
 * text is wrong on purpose, captioned by a Gemini text model; every bad answer is caught by the
 * checks, asked again, and counted in the ledger.
 */
class AltTextEndToEndTest {

  private static final List<String> LOCALES = List.of("en", "de", "fr", "ja");

  /** The openai tier's caption model: an OpenAI-compatible chat-completions vision model. */
  private static final String VISION = "gpt-4.1-mini";

  /** sku -> the trigger in its description (the vision model's first answer is wrong so). */
  private static final Map<String, String> OPENAI_ITEMS = new LinkedHashMap<>();

  static {
    OPENAI_ITEMS.put("CLEAN", "");
    OPENAI_ITEMS.put("WRONG-LANGUAGE", "[sim:ALT_WRONG_LANGUAGE:1@" + VISION + "]");
    OPENAI_ITEMS.put("TOO-LONG", "[sim:ALT_TOO_LONG:1@" + VISION + "]");
    OPENAI_ITEMS.put("MISSING-LOCALE", "[sim:ALT_MISSING_LOCALE:1@" + VISION + "]");
    OPENAI_ITEMS.put("PROSE", "[sim:ALT_PROSE:1@" + VISION + "]");
    OPENAI_ITEMS.put("ECHO", "[sim:ALT_ECHO:1@" + VISION + "]");
  }

  private static ProviderSimulator simulator;
  private static LocalPipeline pipeline;
  private static String openAiBatch;
  private static String geminiBatch;
  private static String deferredBatch;
  private static final String MERCHANT_DE = "Schreibtisch-Organizer aus geöltem Walnussholz";

  @BeforeAll
  static void runTwoBatches() {
    simulator =
        ProviderSimulator.start(SimulatorConfig.defaults().withoutPeak().withTimeScale(0.0));
    String base = simulator.baseUri().toString();
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(null)
                .withProperty("pipeline.providers.endpoints.sim-gemini.protocol", "gemini")
                .withProperty("pipeline.providers.endpoints.sim-gemini.base-url", base)
                .withProperty("pipeline.providers.endpoints.sim-gemini.api-key", "sim-key")
                .withProperty("pipeline.providers.endpoints.sim-openai.protocol", "openai")
                .withProperty("pipeline.providers.endpoints.sim-openai.base-url", base)
                .withProperty("pipeline.providers.endpoints.sim-openai.api-key", "sim-key")
                .withProperty("pipeline.peak.enabled", false)
                .withProperty("pipeline.catalog.tiers.fast[0]", "gemini-3.1-flash-image")
                .withProperty("pipeline.catalog.tiers.openai[0]", "gpt-image-1.5")
                // the fast tier captions with the default, Gemini's gemini-2.5-flash
                .withProperty("pipeline.alt-text.caption-models.openai[0]", VISION)
                // the lost worker's lease is reclaimed a few seconds after the api's start, not 30
                .withProperty("pipeline.dispatch.reclaim-grace-after-outage", "3s"),
            step -> {});
    // a batch that starts in an hour: the merchant corrects its German text before it runs
    deferredBatch =
        Pipelines.submit(
            pipeline,
            catalog(
                "openai",
                Map.of("DEFERRED", ""),
                java.time.Instant.now().plusSeconds(3600).toString()));
    String deferredItem = Pipelines.items(pipeline, deferredBatch).get(0);
    assertThat(
            putAltText(deferredBatch, deferredItem, "de", "{\"text\": \"" + MERCHANT_DE + "\"}")
                .status())
        .isEqualTo(200);
    // its start comes (the hour is not waited for)
    Pipelines.jdbc(pipeline)
        .sql("UPDATE items SET not_before = now() WHERE batch_id = CAST(:b AS uuid)")
        .param("b", deferredBatch)
        .update();
    openAiBatch = Pipelines.submit(pipeline, catalog("openai", OPENAI_ITEMS));
    Map<String, String> gemini = new LinkedHashMap<>();
    gemini.put("G-CLEAN", "");
    // the image model answers English for every locale: only en passes, the rest is captioned
    gemini.put("G-WRONG-LANGUAGE", "[sim:ALT_WRONG_LANGUAGE@gemini-3.1-flash-image]");
    geminiBatch = Pipelines.submit(pipeline, catalog("fast", gemini));
    Pipelines.awaitCompleted(pipeline, openAiBatch, Duration.ofSeconds(120));
    Pipelines.awaitCompleted(pipeline, geminiBatch, Duration.ofSeconds(120));
    Pipelines.awaitCompleted(pipeline, deferredBatch, Duration.ofSeconds(120));
  }

  private static ApiClient.Answer putAltText(
      String batch, String item, String locale, String json) {
    return pipeline
        .client()
        .put("/v1/batches/" + batch + "/items/" + item + "/alt-text/" + locale, json);
  }

  @AfterAll
  static void stop() {
    if (pipeline != null) {
      pipeline.close();
    }
    if (simulator != null) {
      simulator.close();
    }
  }

  private static byte[] catalog(String tier, Map<String, String> items) {
    return catalog(tier, items, null);
  }

  private static byte[] catalog(String tier, Map<String, String> items, String startAfter) {
    StringJoiner json = new StringJoiner(",\n");
    items.forEach(
        (sku, trigger) ->
            json.add(
                """
                {"sku": "%s", "title": "Walnut desk organiser", "description": "in oiled walnut %s",
                 "attributes": {"category": "Office supplies"}}"""
                    .formatted(sku, trigger)));
    return """
        {"name": "alt-%s", "tier": "%s",%s
         "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
         "altTextLocales": ["en", "de", "fr", "ja"],
         "promptTemplate": "Studio product photo of {{title}} {{description}}, white background",
         "items": [%s]}
        """
        .formatted(
            tier, tier, startAfter == null ? "" : " \"startAfter\": \"" + startAfter + "\",", json)
        .getBytes(StandardCharsets.UTF_8);
  }

  private record Call(String purpose, String model, String outcome, BigDecimal cost) {}

  private static Map<String, List<Call>> callsBySku(String batch) {
    Map<String, List<Call>> out = new LinkedHashMap<>();
    Pipelines.jdbc(pipeline)
        .sql(
            """
            SELECT i.sku, a.purpose, a.model_requested, a.outcome, a.cost_usd
              FROM attempts a JOIN items i ON i.item_id = a.item_id
             WHERE a.batch_id = CAST(:b AS uuid) ORDER BY i.sku, a.attempt_no
            """)
        .param("b", batch)
        .query(
            (rs, n) ->
                Map.entry(
                    rs.getString(1),
                    new Call(
                        rs.getString(2), rs.getString(3), rs.getString(4), rs.getBigDecimal(5))))
        .list()
        .forEach(
            e ->
                out.computeIfAbsent(e.getKey(), k -> new java.util.ArrayList<>())
                    .add(e.getValue()));
    return out;
  }

  private static JsonNode sidecar(String batch, String sku) {
    String key =
        Pipelines.jdbc(pipeline)
            .sql("SELECT sidecar_key FROM items WHERE batch_id = CAST(:b AS uuid) AND sku = :s")
            .param("b", batch)
            .param("s", sku)
            .query(String.class)
            .single();
    byte[] bytes = pipeline.api().getBean(ObjectStore.class).get(key).orElseThrow();
    return Json.mapper().readTree(bytes);
  }

  /** The SHA-256 of the image stored for the item, read back from the store. */
  private static String storedImageSha256(String batch, String sku) throws Exception {
    String key =
        Pipelines.jdbc(pipeline)
            .sql("SELECT image_key FROM items WHERE batch_id = CAST(:b AS uuid) AND sku = :s")
            .param("b", batch)
            .param("s", sku)
            .query(String.class)
            .single();
    return sha256(pipeline.api().getBean(ObjectStore.class).get(key).orElseThrow());
  }

  @Test
  void every_item_of_an_openai_image_model_ends_with_checked_alt_text_in_every_locale()
      throws Exception {
    assertThat(Pipelines.states(pipeline, openAiBatch)).containsOnlyKeys("SUCCEEDED");
    for (String sku : OPENAI_ITEMS.keySet()) {
      JsonNode sidecar = sidecar(openAiBatch, sku);
      // the hash its PUT signed (the spool no longer hashes what its PUT does) is the stored one's
      assertThat(sidecar.path("imageSha256").asString())
          .as(sku)
          .isEqualTo(storedImageSha256(openAiBatch, sku));
      assertThat(sidecar.path("requested").path("model").asString()).isEqualTo("gpt-image-1.5");
      for (String locale : LOCALES) {
        String text = sidecar.path("altText").path(locale).asString();
        assertThat(text).as(sku + " " + locale).isNotBlank().hasSizeLessThanOrEqualTo(125);
        assertThat(text).as(sku + " " + locale).contains("Walnut desk organiser");
        JsonNode checks = sidecar.path("altTextChecks").path(locale);
        assertThat(checks.path("source").asString()).isEqualTo("caption-model");
        assertThat(checks.path("checks").path("language").asString()).isEqualTo("passed");
        assertThat(checks.path("checks").path("length").asString()).isEqualTo("passed");
        assertThat(checks.path("checks").path("no-boilerplate").asString()).isEqualTo("passed");
        assertThat(checks.path("checks").path("no-prompt-leak").asString()).isEqualTo("passed");
        assertThat(checks.path("checks").path("present").asString()).isEqualTo("passed");
      }
      assertThat(sidecar.path("altText").path("de").asString()).contains("Hintergrund");
      assertThat(sidecar.path("altText").path("ja").asString()).contains("背景");
      assertThat(sidecar.path("warnings")).as(sku).isEmpty();
    }
  }

  @Test
  void each_kind_of_bad_caption_is_caught_asked_again_and_counted_in_the_ledger() {
    Map<String, List<Call>> calls = callsBySku(openAiBatch);
    for (String sku : OPENAI_ITEMS.keySet()) {
      List<Call> item = calls.get(sku);
      assertThat(item.get(0).purpose()).isEqualTo("image");
      assertThat(item.get(0).model()).isEqualTo("gpt-image-1.5");
      assertThat(item.stream().filter(c -> c.purpose().equals("image"))).as(sku).hasSize(1);
      List<Call> captions = item.stream().filter(c -> c.purpose().equals("caption")).toList();
      assertThat(captions).allSatisfy(c -> assertThat(c.model()).isEqualTo(VISION));
      assertThat(captions).allSatisfy(c -> assertThat(c.cost()).isPositive());
      if (sku.equals("CLEAN")) {
        assertThat(captions).extracting(Call::outcome).as(sku).containsExactly("CAPTIONED");
      } else {
        // the first answer is wrong in its way: caught, asked again (text only), right the second
        assertThat(captions)
            .extracting(Call::outcome)
            .as(sku)
            .containsExactly("CAPTION_REJECTED", "CAPTIONED");
      }
    }
    // captioning's cost is in the batch's, and visible apart
    BigDecimal ledger =
        calls.values().stream()
            .flatMap(List::stream)
            .map(Call::cost)
            .reduce(BigDecimal.ZERO, BigDecimal::add);
    assertThat(Pipelines.batch(pipeline, openAiBatch).path("costUsd").decimalValue())
        .isEqualByComparingTo(ledger);
  }

  @Test
  void a_gemini_image_models_wrong_text_is_kept_where_it_passes_and_captioned_where_it_fails() {
    JsonNode clean = sidecar(geminiBatch, "G-CLEAN");
    for (String locale : List.of("en", "de", "fr")) { // ja: a merchant correction, below
      assertThat(clean.path("altTextChecks").path(locale).path("source").asString())
          .isEqualTo("image-model");
    }
    assertThat(callsBySku(geminiBatch).get("G-CLEAN"))
        .extracting(Call::purpose)
        .containsExactly("image");

    JsonNode wrong = sidecar(geminiBatch, "G-WRONG-LANGUAGE");
    assertThat(wrong.path("altTextChecks").path("en").path("source").asString())
        .isEqualTo("image-model");
    for (String locale : List.of("de", "fr", "ja")) {
      assertThat(wrong.path("altTextChecks").path(locale).path("source").asString())
          .as(locale)
          .isEqualTo("caption-model");
    }
    assertThat(wrong.path("altText").path("fr").asString()).contains("fond blanc");
    assertThat(callsBySku(geminiBatch).get("G-WRONG-LANGUAGE"))
        .extracting(Call::outcome)
        .containsExactly("SUCCEEDED", "CAPTIONED");
    assertThat(callsBySku(geminiBatch).get("G-WRONG-LANGUAGE").get(1).model())
        .isEqualTo("gemini-2.5-flash");
  }

  @Test
  void the_manifest_shows_source_and_checks_per_locale() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(pipeline.apiUri() + "/v1/batches/" + openAiBatch + "/results"))
                    .header("Authorization", "Bearer " + pipeline.apiKey())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> lines = r.body().lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).hasSize(OPENAI_ITEMS.size());
    for (String line : lines) {
      JsonNode json = Json.mapper().readTree(line);
      for (String locale : LOCALES) {
        assertThat(json.path("altText").path(locale).asString()).isNotBlank();
        JsonNode checks = json.path("altTextChecks").path(locale);
        assertThat(checks.path("source").asString()).isEqualTo("caption-model");
        assertThat(checks.path("checks").path("language").asString()).isEqualTo("passed");
      }
    }
  }

  @Test
  void a_merchants_alt_text_is_kept_by_the_pass_and_never_captioned() {
    JsonNode sidecar = sidecar(deferredBatch, "DEFERRED");
    assertThat(sidecar.path("altText").path("de").asString()).isEqualTo(MERCHANT_DE);
    assertThat(sidecar.path("altTextChecks").path("de").path("source").asString())
        .isEqualTo("merchant");
    for (String locale : List.of("en", "fr", "ja")) {
      assertThat(sidecar.path("altTextChecks").path(locale).path("source").asString())
          .isEqualTo("caption-model");
    }
    String rowText =
        Pipelines.jdbc(pipeline)
            .sql("SELECT alt_text->>'de' FROM items WHERE batch_id = CAST(:b AS uuid)")
            .param("b", deferredBatch)
            .query(String.class)
            .single();
    assertThat(rowText).isEqualTo(MERCHANT_DE);
  }

  @Test
  void a_merchant_corrects_a_finished_items_alt_text_in_the_row_the_sidecar_and_the_manifest()
      throws Exception {
    String item = Pipelines.items(pipeline, geminiBatch).get(0);
    ApiClient.Answer ok = putAltText(geminiBatch, item, "ja", "{\"text\": \"クルミ材のデスクオーガナイザー\"}");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.body().path("source").asString()).isEqualTo("merchant");
    JsonNode sidecar = sidecar(geminiBatch, "G-CLEAN");
    assertThat(sidecar.path("altText").path("ja").asString()).isEqualTo("クルミ材のデスクオーガナイザー");
    assertThat(sidecar.path("altTextChecks").path("ja").path("source").asString())
        .isEqualTo("merchant");
    assertThat(sidecar.path("altTextChecks").path("en").path("source").asString())
        .isEqualTo("image-model");

    // bad input: a locale the batch did not ask for, no text, an unknown item
    ApiClient.Answer locale = putAltText(geminiBatch, item, "it", "{\"text\": \"x\"}");
    assertThat(locale.status()).isEqualTo(400);
    assertThat(locale.body().toString()).contains("locale");
    assertThat(putAltText(geminiBatch, item, "ja", "{\"text\": \"  \"}").status()).isEqualTo(400);
    assertThat(
            putAltText(
                    geminiBatch, java.util.UUID.randomUUID().toString(), "fr", "{\"text\": \"x\"}")
                .status())
        .isEqualTo(404);
  }

  // ---- re-running captioning (recaptions) ----

  /**
   * A Gemini batch whose caption model leaves out {@code ja} for its first 4 answers per product:
   * after the pass, R-FAILING and R-MERCHANT end with {@code ja} failing "present"; R-CLEAN passes.
   */
  private static String recaptionBatch(String prefix) {
    // the image model leaves out ja (the last locale); the caption model too, 4 times per product
    String miss =
        "[sim:ALT_MISSING_LOCALE@gemini-3.1-flash-image] [sim:ALT_MISSING_LOCALE:4@gemini-2.5-flash]";
    String items =
        """
        {"sku": "%1$s-FAILING", "title": "Walnut desk organiser",
         "description": "in oiled walnut, %1$s one %2$s", "attributes": {"category": "Office"}},
        {"sku": "%1$s-MERCHANT", "title": "Walnut desk organiser",
         "description": "in oiled walnut, %1$s two %2$s", "attributes": {"category": "Office"}},
        {"sku": "%1$s-CLEAN", "title": "Walnut desk organiser",
         "description": "in oiled walnut, %1$s three", "attributes": {"category": "Office"}}
        """
            .formatted(prefix, miss);
    String batch =
        Pipelines.submit(
            pipeline,
            """
            {"name": "recaption-%s", "tier": "fast",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "altTextLocales": ["en", "de", "fr", "ja"],
             "promptTemplate": "Studio product photo of {{title}} {{description}}, white background",
             "items": [%s]}
            """
                .formatted(prefix, items)
                .getBytes(StandardCharsets.UTF_8));
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(120));
    return batch;
  }

  private static Map<String, Object> row(String batch, String sku) {
    return Pipelines.jdbc(pipeline)
        .sql(
            """
            SELECT CAST(item_id AS text) AS id, image_key, sidecar_key, state,
                   CAST(alt_text_checks AS text) AS checks, attempts
              FROM items WHERE batch_id = CAST(:b AS uuid) AND sku = :s
            """)
        .param("b", batch)
        .param("s", sku)
        .query()
        .singleRow();
  }

  private static JsonNode checks(String batch, String sku) {
    return Json.mapper().readTree((String) row(batch, sku).get("checks"));
  }

  private static HttpResponse<String> recaption(String batch, String key, String json)
      throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(
                URI.create(pipeline.apiUri() + "/v1/batches/" + batch + "/alt-text/recaptions"))
            .header("Authorization", "Bearer " + pipeline.apiKey())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (key != null) {
      r.header("Idempotency-Key", key);
    }
    return HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String sha256(byte[] bytes) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static long imageCalls(String batch) {
    return Pipelines.jdbc(pipeline)
        .sql(
            "SELECT count(*) FROM attempts WHERE batch_id = CAST(:b AS uuid)"
                + " AND purpose = 'image'")
        .param("b", batch)
        .query(Long.class)
        .single();
  }

  @Test
  void a_recaption_captions_only_the_failing_ja_again_keeps_the_merchants_text_and_makes_no_image()
      throws Exception {
    String batch = recaptionBatch("R");
    assertThat(checks(batch, "R-FAILING").path("ja").path("checks").path("present").asString())
        .isEqualTo("failed");
    assertThat(checks(batch, "R-MERCHANT").path("ja").path("checks").path("present").asString())
        .isEqualTo("failed");
    assertThat(checks(batch, "R-CLEAN").path("ja").path("checks").path("present").asString())
        .isEqualTo("passed");
    String merchantItem = (String) row(batch, "R-MERCHANT").get("id");
    assertThat(putAltText(batch, merchantItem, "ja", "{\"text\": \"クルミ材の収納ケース\"}").status())
        .isEqualTo(200);
    Map<String, Object> before = row(batch, "R-FAILING");
    JsonNode beforeChecks = checks(batch, "R-FAILING");
    long images = imageCalls(batch);
    long simulatedImages = simulator.stats().model("gemini-3.1-flash-image").calls();
    String body = "{\"locales\": [\"ja\"], \"filter\": {\"failing\": true}}";

    // bad requests change nothing: an unknown locale, an unknown item, an unknown field
    HttpResponse<String> badLocale = recaption(batch, null, "{\"locales\": [\"ja\", \"it\"]}");
    assertThat(badLocale.statusCode()).isEqualTo(400);
    assertThat(badLocale.headers().firstValue("Content-Type").orElse(""))
        .contains("application/problem+json");
    assertThat(badLocale.body()).contains("locales[1]");
    HttpResponse<String> unknownItem =
        recaption(
            batch,
            null,
            "{\"locales\": [\"ja\"], \"filter\": {\"itemIds\": [\""
                + before.get("id")
                + "\", \""
                + java.util.UUID.randomUUID()
                + "\"]}}");
    assertThat(unknownItem.statusCode()).isEqualTo(404);
    assertThat(unknownItem.body()).contains("filter.itemIds[1]");
    HttpResponse<String> typo =
        recaption(batch, null, "{\"locales\": [\"ja\"], \"filter\": {\"failed\": true}}");
    assertThat(typo.statusCode()).isEqualTo(400);
    assertThat(typo.body()).contains("filter.failed");
    assertThat(Pipelines.states(pipeline, batch)).containsOnlyKeys("SUCCEEDED");

    // a dry run says what would be queued: the failing item only (the merchant's ja is final)
    HttpResponse<String> dry =
        recaption(
            batch,
            null,
            "{\"locales\": [\"ja\"], \"filter\": {\"failing\": true}, \"dryRun\": true}");
    assertThat(dry.statusCode()).as(dry.body()).isEqualTo(200);
    JsonNode preview = Json.mapper().readTree(dry.body());
    assertThat(preview.path("items").asInt()).isEqualTo(1);
    assertThat(preview.path("itemIds").get(0).asString()).isEqualTo(before.get("id"));
    assertThat(Pipelines.states(pipeline, batch)).containsOnlyKeys("SUCCEEDED");

    HttpResponse<String> queued = recaption(batch, "recaption-ja-1", body);
    assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);
    JsonNode answer = Json.mapper().readTree(queued.body());
    assertThat(answer.path("items").asInt()).isEqualTo(1);
    // the same request again with its key: the first answer, nothing queued twice
    HttpResponse<String> again = recaption(batch, "recaption-ja-1", body);
    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(Json.mapper().readTree(again.body()).path("recaptionId").asString())
        .isEqualTo(answer.path("recaptionId").asString());
    HttpResponse<String> reused = recaption(batch, "recaption-ja-1", "{\"locales\": [\"de\"]}");
    assertThat(reused.statusCode()).isEqualTo(422);

    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(120));
    JsonNode status = pipeline.client().get(answer.path("links").path("self").asString()).body();
    assertThat(status.path("state").asString()).isEqualTo("DONE");
    assertThat(status.path("captionCalls").asLong()).isEqualTo(1);

    // ja is captioned again and passes; en, de, fr are as they were; the image is the same
    Map<String, Object> after = row(batch, "R-FAILING");
    JsonNode afterChecks = checks(batch, "R-FAILING");
    assertThat(afterChecks.path("ja").path("source").asString()).isEqualTo("caption-model");
    assertThat(afterChecks.path("ja").path("checks").path("present").asString())
        .isEqualTo("passed");
    assertThat(afterChecks.path("ja").path("checks").path("language").asString())
        .isEqualTo("passed");
    for (String locale : List.of("en", "de", "fr")) {
      assertThat(afterChecks.path(locale)).as(locale).isEqualTo(beforeChecks.path(locale));
    }
    assertThat(after.get("image_key")).isEqualTo(before.get("image_key"));
    assertThat(after.get("state")).isEqualTo("SUCCEEDED");
    assertThat(imageCalls(batch)).as("no image made again").isEqualTo(images);
    assertThat(simulator.stats().model("gemini-3.1-flash-image").calls())
        .isEqualTo(simulatedImages);
    List<Map<String, Object>> recaptionCalls =
        Pipelines.jdbc(pipeline)
            .sql(
                "SELECT purpose, outcome, model_requested, cost_usd FROM attempts"
                    + " WHERE recaption_id = CAST(:r AS uuid)")
            .param("r", answer.path("recaptionId").asString())
            .query()
            .listOfRows();
    assertThat(recaptionCalls).hasSize(1);
    assertThat(recaptionCalls.get(0))
        .containsEntry("purpose", "caption")
        .containsEntry("outcome", "CAPTIONED")
        .containsEntry("model_requested", "gemini-2.5-flash");
    // the recaption's one call (the last the simulator received) carried the stored image, byte
    // for byte: read back from the store into the spool and streamed into the caption's body
    byte[] storedImage =
        pipeline
            .api()
            .getBean(ObjectStore.class)
            .get((String) after.get("image_key"))
            .orElseThrow();
    List<ReceivedImages.Received> received = simulator.receivedImages();
    assertThat(received).isNotEmpty();
    assertThat(received.get(received.size() - 1).size()).isEqualTo(storedImage.length);
    assertThat(received.get(received.size() - 1).sha256()).isEqualTo(sha256(storedImage));
    JsonNode sidecar = sidecar(batch, "R-FAILING");
    assertThat(sidecar.path("altText").path("ja").asString()).contains("背景");
    assertThat(sidecar.path("altTextChecks").path("ja").path("source").asString())
        .isEqualTo("caption-model");
    // the merchant's ja is untouched, and R-MERCHANT was not run at all
    assertThat(checks(batch, "R-MERCHANT").path("ja").path("text").asString())
        .isEqualTo("クルミ材の収納ケース");
    assertThat(row(batch, "R-MERCHANT").get("attempts")).isEqualTo(5);
    // a merchant reads attempts as tries to make the image: caption calls are counted apart (4 in
    // the item's run, 1 in the recaption)
    JsonNode view =
        pipeline.client().get("/v1/batches/" + batch + "/items/" + before.get("id")).body();
    assertThat(view.path("attempts").asInt()).isEqualTo(1);
    assertThat(view.path("captionCalls").asInt()).isEqualTo(5);
    // the manifest, written again when the batch completed, shows the new text
    HttpResponse<String> results =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(pipeline.apiUri() + "/v1/batches/" + batch + "/results"))
                    .header("Authorization", "Bearer " + pipeline.apiKey())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    JsonNode line =
        results
            .body()
            .lines()
            .map(l -> Json.mapper().readTree(l))
            .filter(j -> j.path("sku").asString().equals("R-FAILING"))
            .findFirst()
            .orElseThrow();
    assertThat(line.path("altTextChecks").path("ja").path("checks").path("present").asString())
        .isEqualTo("passed");
    assertThat(line.path("attempts").asInt()).isEqualTo(1);
    assertThat(line.path("captionCalls").asInt()).isEqualTo(5);
  }

  @Test
  void a_worker_lost_mid_recaption_leaves_it_to_the_reclaim_and_the_next_captions_it_with_no_image()
      throws Exception {
    String batch = recaptionBatch("K");
    String item = (String) row(batch, "K-FAILING").get("id");
    String imageKey = (String) row(batch, "K-FAILING").get("image_key");
    long images = imageCalls(batch);
    // no worker runs: the recaption waits in the queue
    for (var worker : pipeline.workers()) {
      if (worker.isActive()) {
        worker.close();
      }
    }
    try {
      HttpResponse<String> queued =
          recaption(
              batch,
              null,
              "{\"locales\": [\"ja\"], \"filter\": {\"itemIds\": [\"" + item + "\"]}}");
      assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);
      String recaptionId = Json.mapper().readTree(queued.body()).path("recaptionId").asString();

      // a worker claims it with the workers' own statements, begins its caption call and dies:
      // its lease runs out with the call IN_FLIGHT
      var jdbc = Pipelines.jdbc(pipeline);
      var items = new io.catalogimage.common.item.ItemRepository(jdbc);
      java.time.Instant now = java.time.Instant.now();
      List<Integer> held =
          items.claim(
              List.of(io.catalogimage.common.id.ItemId.of(item)),
              "lost-worker",
              now,
              now.plusSeconds(1),
              (rs, n) -> rs.getInt("version"));
      assertThat(held).hasSize(1);
      var ledger =
          new io.catalogimage.worker.ledger.Ledger(
              jdbc, items, new io.catalogimage.common.edit.Conversations(jdbc));
      assertThat(
              ledger.begin(
                  new io.catalogimage.common.item.ItemRepository.Held(
                      io.catalogimage.common.id.ItemId.of(item), "lost-worker", held.get(0)),
                  "sim-gemini",
                  "gemini-2.5-flash",
                  new BigDecimal("0.000400"),
                  null,
                  io.catalogimage.worker.ledger.Ledger.PURPOSE_CAPTION,
                  now))
          .isPresent();
    } finally {
      pipeline.startWorker();
    }

    // the reclaim queues it again with its recaption; the new worker captions it
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                Pipelines.jdbc(pipeline)
                    .sql(
                        "SELECT state = 'SUCCEEDED' AND recaption_id IS NULL FROM items"
                            + " WHERE item_id = CAST(:i AS uuid)")
                    .param("i", item)
                    .query(Boolean.class)
                    .single());
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));
    List<String> outcomes =
        Pipelines.jdbc(pipeline)
            .sql(
                "SELECT purpose || ':' || outcome FROM attempts WHERE item_id = CAST(:i AS uuid)"
                    + " AND recaption_id IS NOT NULL ORDER BY attempt_no")
            .param("i", item)
            .query(String.class)
            .list();
    assertThat(outcomes).containsExactly("caption:ABANDONED", "caption:CAPTIONED");
    assertThat(imageCalls(batch)).as("the image is never made again").isEqualTo(images);
    assertThat(row(batch, "K-FAILING").get("image_key")).isEqualTo(imageKey);
    JsonNode ja = checks(batch, "K-FAILING").path("ja");
    assertThat(ja.path("source").asString()).isEqualTo("caption-model");
    assertThat(ja.path("checks").path("present").asString()).isEqualTo("passed");
  }
}
