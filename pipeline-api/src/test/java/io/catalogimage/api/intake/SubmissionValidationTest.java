package io.catalogimage.api.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.config.name=pipeline-api",
      "pipeline.intake.max-body-size=64KB",
      "pipeline.catalog.tiers.fast=gemini-3.1-flash-image,gemini-3-pro-image",
      "pipeline.catalog.tiers.quality=gemini-3-pro-image,gemini-3.1-flash-image",
      "pipeline.catalog.tiers.pro-only=gemini-3-pro-image",
      "pipeline.catalog.tier-settings.quality.thinking-level=low",
      "pipeline.catalog.tier-settings.quality.google-search=true"
    })
class SubmissionValidationTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  private final HttpClient http = HttpClient.newHttpClient();

  private long batchesBefore;
  private long itemsBefore;

  @BeforeEach
  void countRows() {
    batchesBefore = count("batches");
    itemsBefore = count("items");
  }

  private static final String VALID =
      """
      {"name": "spring", "tier": "fast",
       "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"},
                    {"name": "banner", "aspectRatio": "4:1", "size": "2K"}],
       "altTextLocales": ["en", "de"],
       "promptTemplate": "Studio product photo of {{title}} in {{attributes.color}}, white background",
       "items": [{"sku": "TS-001", "title": "Organic cotton T-shirt", "attributes": {"color": "navy"}},
                 {"sku": "TS-002", "title": "Linen shirt", "attributes": {"color": "sand"}}]}
      """;

  @Test
  void accepts_a_valid_catalog_with_202_and_stores_one_item_per_product_and_variant()
      throws Exception {
    HttpResponse<String> r = post(VALID);
    assertThat(r.statusCode()).isEqualTo(202);
    JsonNode body = Json.mapper().readTree(r.body());
    assertThat(body.path("state").asString()).isEqualTo("ACCEPTED");
    assertThat(body.path("itemCount").asInt()).isEqualTo(4);
    String id = body.path("id").asString();
    assertThat(r.headers().firstValue("Location")).hasValue("/v1/batches/" + id);
    assertThat(count("items") - itemsBefore).isEqualTo(4);
    String prompt =
        jdbc.sql(
                "SELECT data ->> 'prompt' FROM products WHERE sku = 'TS-001' AND batch_id = CAST(:b AS uuid)")
            .param("b", id)
            .query(String.class)
            .single();
    assertThat(prompt)
        .isEqualTo("Studio product photo of Organic cotton T-shirt in navy, white background");
  }

  @Test
  void rejects_generation_settings_a_model_of_the_tier_does_not_take_naming_them_and_the_models()
      throws Exception {
    JsonNode problem =
        rejected(
            VALID.replace(
                "\"tier\": \"fast\",",
                "\"tier\": \"fast\", \"generation\": {\"thinkingLevel\": \"high\","
                    + " \"quality\": \"high\", \"personGeneration\": \"allow_adult\","
                    + " \"outputFormat\": \"webp\"},"),
            400);
    java.util.Map<String, String> errors = new java.util.TreeMap<>();
    problem
        .path("errors")
        .forEach(e -> errors.put(e.path("field").asString(), e.path("message").asString()));
    assertThat(errors)
        .containsOnlyKeys(
            "generation.quality", "generation.personGeneration", "generation.outputFormat");
    assertThat(errors.get("generation.quality"))
        .startsWith("is not supported by gemini-3.1-flash-image, gemini-3-pro-image");
    // webp is both a value no model path takes and a setting Gemini refuses: both are listed
    assertThat(problem.path("errors").toString()).contains("png or jpeg");
    assertNothingStored();

    HttpResponse<String> ok =
        post(
            VALID.replace(
                "\"tier\": \"fast\",",
                "\"tier\": \"fast\", \"generation\": {\"thinkingLevel\": \"high\","
                    + " \"includeThoughts\": true, \"googleSearch\": true},"));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    String spec =
        jdbc.sql("SELECT spec::text FROM batches WHERE batch_id = CAST(:b AS uuid)")
            .param("b", Json.mapper().readTree(ok.body()).path("id").asString())
            .query(String.class)
            .single();
    assertThat(Json.mapper().readTree(spec).path("generation").path("thinkingLevel").asString())
        .isEqualTo("high");

    // a tier's settings go with each of its batches; the batch's own override them one by one
    HttpResponse<String> tierDefaults =
        post(
            VALID.replace(
                "\"tier\": \"fast\",",
                "\"tier\": \"quality\", \"generation\": {\"thinkingLevel\": \"high\"},"));
    assertThat(tierDefaults.statusCode()).as(tierDefaults.body()).isEqualTo(202);
    JsonNode stored =
        Json.mapper()
            .readTree(
                jdbc.sql("SELECT spec::text FROM batches WHERE batch_id = CAST(:b AS uuid)")
                    .param("b", Json.mapper().readTree(tierDefaults.body()).path("id").asString())
                    .query(String.class)
                    .single())
            .path("generation");
    assertThat(stored.path("thinkingLevel").asString()).isEqualTo("high");
    assertThat(stored.path("googleSearch").asBoolean()).isTrue();
  }

  @Test
  void an_upload_takes_the_generation_settings_as_query_parameters_checked_as_a_json_body_is()
      throws Exception {
    String csv = "sku,title,color\r\nTS-001,Organic cotton T-shirt,navy\r\n";
    JsonNode problem =
        uploadRejected(
            "?tier=fast&variant=listing:1:1:1K&generation.thinkingLevel=high"
                + "&generation.quality=high&generation.personGeneration=allow_adult",
            csv);
    assertThat(problem.path("errors").findValuesAsString("field"))
        .containsExactlyInAnyOrder("generation.quality", "generation.personGeneration");
    assertThat(problem.path("errors").toString())
        .contains("is not supported by gemini-3.1-flash-image, gemini-3-pro-image");
    assertNothingStored();
    // not a boolean, and not a value the setting takes: each a 400 naming the parameter
    assertThat(
            uploadRejected("?variant=listing:1:1:1K&generation.includeThoughts=yes", csv)
                .toString())
        .contains("generation.includeThoughts")
        .contains("is not true or false");
    assertThat(
            uploadRejected("?variant=listing:1:1:1K&generation.thinkingLevel=extreme", csv)
                .path("errors")
                .findValuesAsString("field"))
        .containsExactly("generation.thinkingLevel");
    assertThat(
            uploadRejected(
                    "?variant=listing:1:1:1K&generation.thinkingLevel=low"
                        + "&generation.thinkingLevel=high",
                    csv)
                .toString())
        .contains("given 2 times");
    assertNothingStored();

    HttpResponse<String> ok =
        upload(
            "application/x-ndjson",
            "?tier=quality&variant=listing:1:1:1K&generation.thinkingLevel=high"
                + "&generation.includeThoughts=true",
            "{\"sku\": \"N-1\", \"title\": \"Mug\"}\n");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    JsonNode stored =
        Json.mapper()
            .readTree(
                jdbc.sql("SELECT spec::text FROM batches WHERE batch_id = CAST(:b AS uuid)")
                    .param("b", Json.mapper().readTree(ok.body()).path("id").asString())
                    .query(String.class)
                    .single())
            .path("generation");
    assertThat(stored.path("thinkingLevel").asString()).isEqualTo("high");
    assertThat(stored.path("includeThoughts").asBoolean()).isTrue();
    // the tier's own setting stays where the upload gives none
    assertThat(stored.path("googleSearch").asBoolean()).isTrue();
  }

  private JsonNode uploadRejected(String query, String csv) throws Exception {
    HttpResponse<String> r = upload("text/csv", query, csv);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).contains("application/problem+json"));
    return Json.mapper().readTree(r.body());
  }

  private HttpResponse<String> upload(String contentType, String query, String body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/batches" + query))
            .header("Content-Type", contentType)
            .header("Authorization", ApiTestInfrastructure.AUTHORIZATION)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void rejects_a_missing_sku_naming_the_item_and_stores_nothing() throws Exception {
    JsonNode problem = rejected(VALID.replace("\"sku\": \"TS-002\", ", ""), 400);
    assertThat(problem.path("type").asString()).endsWith("/invalid-submission");
    assertThat(problem.path("errors").path(0).path("field").asString()).isEqualTo("items[1].sku");
    assertThat(problem.path("errors").path(0).path("message").asString()).isEqualTo("is required");
    assertNothingStored();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"url\": \"ftp://photos.example.com/a.png\"} | items[1].referenceImage.url | http or https",
        "{\"url\": \"https://user:pw@photos.example.com/a.png\"} | items[1].referenceImage.url | credentials",
        "{\"objectKey\": \"../other-tenant/a.png\"} | items[1].referenceImage.objectKey | no .. segments",
        "{\"objectKey\": \"/abs/a.png\"} | items[1].referenceImage.objectKey | no leading /",
        "{\"url\": \"https://a.example/x.png\", \"objectKey\": \"x.png\"} | items[1].referenceImage | exactly one",
        "{} | items[1].referenceImage | exactly one"
      })
  void rejects_a_reference_image_that_is_malformed_or_leaves_the_tenants_prefix(
      String reference, String field, String message) throws Exception {
    JsonNode problem =
        rejected(
            VALID.replace(
                "\"title\": \"Linen shirt\"",
                "\"title\": \"Linen shirt\", \"referenceImage\": " + reference),
            400);
    JsonNode error = problem.path("errors").path(0);
    assertThat(error.path("field").asString()).isEqualTo(field);
    assertThat(error.path("message").asString()).contains(message);
    assertNothingStored();
  }

  @Test
  void accepts_reference_images_by_url_and_by_object_key() throws Exception {
    String body =
        VALID
            .replace(
                "\"title\": \"Organic cotton T-shirt\"",
                "\"title\": \"Organic cotton T-shirt\", \"referenceImage\": {\"url\": \"https://cdn.example.com/ts-001.jpg\"}")
            .replace(
                "\"title\": \"Linen shirt\"",
                "\"title\": \"Linen shirt\", \"referenceImage\": {\"objectKey\": \"photos/ts-002.png\"}");
    HttpResponse<String> r = post(body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"lane\": \"urgent\", | lane | unknown lane",
        "\"deadline\": \"2020-01-01T00:00:00Z\", | deadline | is in the past",
        "\"deadline\": \"tomorrow\", | deadline | not an ISO-8601 date-time",
        "\"deadline\": \"2099-01-01T00:00:00Z\", \"startAfter\": \"2099-02-01T00:00:00Z\", | startAfter | is not before the deadline",
        "\"costCapUsd\": 0, | costCapUsd | must be more than 0",
      })
  void rejects_bad_run_options_naming_the_field_and_stores_nothing(
      String option, String field, String message) throws Exception {
    JsonNode problem =
        rejected(VALID.replace("\"tier\": \"fast\",", "\"tier\": \"fast\", " + option), 400);
    JsonNode error = problem.path("errors").path(0);
    assertThat(error.path("field").asString()).isEqualTo(field);
    assertThat(error.path("message").asString()).contains(message);
    assertNothingStored();
  }

  @Test
  void accepts_run_options_and_shows_them_in_the_batch_plan() throws Exception {
    HttpResponse<String> r =
        post(
            VALID.replace(
                "\"tier\": \"fast\",",
                "\"tier\": \"fast\", \"lane\": \"scheduled\", \"deadline\": \"2099-01-02T06:00:00Z\","
                    + " \"startAfter\": \"2099-01-01T22:00:00+00:00\", \"costCapUsd\": 12.5,"
                    + " \"allowSafetyReroute\": true,"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String id = Json.mapper().readTree(r.body()).path("id").asString();
    HttpResponse<String> view =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/batches/" + id))
                .header("Authorization", ApiTestInfrastructure.AUTHORIZATION)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode plan = Json.mapper().readTree(view.body()).path("plan");
    assertThat(plan.path("lane").asString()).isEqualTo("scheduled");
    assertThat(plan.path("deadline").asString()).isEqualTo("2099-01-02T06:00:00Z");
    assertThat(plan.path("costCapUsd").decimalValue()).isEqualByComparingTo("12.5");
    assertThat(plan.path("allowSafetyReroute").asBoolean()).isTrue();
    // nothing runs before startAfter
    String due =
        jdbc.sql(
                "SELECT to_char(min(not_before) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
                    + " FROM items WHERE batch_id = CAST(:b AS uuid)")
            .param("b", id)
            .query(String.class)
            .single();
    assertThat(due).startsWith("2099-01-01 22:00:00");
  }

  private String planLane(String options) throws Exception {
    HttpResponse<String> r =
        post(VALID.replace("\"tier\": \"fast\",", "\"tier\": \"fast\", " + options));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String id = Json.mapper().readTree(r.body()).path("id").asString();
    HttpResponse<String> view =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/batches/" + id))
                .header("Authorization", ApiTestInfrastructure.AUTHORIZATION)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return Json.mapper().readTree(view.body()).path("plan").path("lane").asString();
  }

  @Test
  void the_batch_lane_is_chosen_when_the_deadline_leaves_room_for_a_provider_job_and_a_fallback()
      throws Exception {
    java.time.Instant now = java.time.Instant.now();
    // fresh install: an 8 h turnaround is assumed, plus 1 h reserve and 30 min margin
    assertThat(planLane("\"deadline\": \"" + now.plus(java.time.Duration.ofHours(12)) + "\","))
        .isEqualTo("batch");
    assertThat(planLane("\"deadline\": \"" + now.plus(java.time.Duration.ofHours(9)) + "\","))
        .isEqualTo("bulk");
    assertThat(
            planLane(
                "\"lane\": \"interactive\", \"deadline\": \""
                    + now.plus(java.time.Duration.ofHours(36))
                    + "\","))
        .isEqualTo("interactive");
    assertThat(planLane("\"lane\": \"batch\",")).isEqualTo("batch");
    assertThat(
            planLane(
                "\"lane\": \"cost-priority\", \"deadline\": \""
                    + now.plus(java.time.Duration.ofHours(3))
                    + "\","))
        .isEqualTo("bulk");
    JsonNode problem =
        rejected(
            VALID.replace("\"tier\": \"fast\",", "\"tier\": \"fast\", \"lane\": \"cheap\","), 400);
    assertThat(problem.path("errors").path(0).path("message").asString())
        .contains("batch or cost-priority");
  }

  @Test
  void rejects_an_unknown_aspect_ratio_listing_the_valid_ones() throws Exception {
    JsonNode problem = rejected(VALID.replace("\"4:1\"", "\"5:1\""), 400);
    JsonNode error = problem.path("errors").path(0);
    assertThat(error.path("field").asString()).isEqualTo("variants[1].aspectRatio");
    assertThat(error.path("message").asString()).contains("'5:1'").contains("16:9");
    assertNothingStored();
  }

  @Test
  void rejects_a_lowercase_size_as_the_provider_would() throws Exception {
    JsonNode problem = rejected(VALID.replace("\"2K\"", "\"2k\""), 400);
    assertThat(problem.path("errors").path(0).path("field").asString())
        .isEqualTo("variants[1].size");
  }

  @Test
  void rejects_a_variant_no_model_of_the_tier_can_make_and_says_which_models_can()
      throws Exception {
    JsonNode problem = rejected(VALID.replace("\"tier\": \"fast\"", "\"tier\": \"pro-only\""), 400);
    JsonNode error = problem.path("errors").path(0);
    assertThat(error.path("field").asString()).isEqualTo("variants[1]");
    assertThat(error.path("message").asString())
        .contains("no model of tier 'pro-only' can produce 4:1 at 2K")
        .contains("gemini-3.1-flash-image");
  }

  @Test
  void rejects_empty_items() throws Exception {
    JsonNode problem =
        rejected(VALID.substring(0, VALID.indexOf("\"items\"")) + "\"items\": []}", 400);
    assertThat(problem.path("errors").path(0).path("field").asString()).isEqualTo("items");
    assertNothingStored();
  }

  @Test
  void rejects_malformed_json_with_the_line_where_it_broke() throws Exception {
    JsonNode problem = rejected("{\n  \"name\": \"x\",\n  \"items\": [ {\"sku\": } ]\n}", 400);
    assertThat(problem.path("type").asString()).endsWith("/invalid-submission");
    assertThat(problem.path("errors").path(0).path("line").asInt()).isEqualTo(3);
    assertThat(problem.path("errors").path(0).path("message").asString())
        .startsWith("malformed JSON");
    assertNothingStored();
  }

  @Test
  void rejects_an_unknown_field_instead_of_ignoring_a_typo() throws Exception {
    JsonNode problem = rejected(VALID.replace("\"altTextLocales\"", "\"altTextLocale\""), 400);
    assertThat(problem.path("errors").path(0).path("message").asString())
        .isEqualTo("unknown field 'altTextLocale'");
  }

  @Test
  void rejects_a_template_placeholder_the_item_cannot_fill() throws Exception {
    JsonNode problem =
        rejected(VALID.replace("\"attributes\": {\"color\": \"sand\"}", "\"attributes\": {}"), 400);
    JsonNode error = problem.path("errors").path(0);
    assertThat(error.path("field").asString()).isEqualTo("items[1].attributes.color");
    assertThat(error.path("message").asString()).contains("{{attributes.color}}");
  }

  @Test
  void reports_every_problem_with_the_total_count() throws Exception {
    JsonNode problem =
        rejected(VALID.replace("\"sku\": \"TS-002\", ", "").replace("\"1:1\"", "\"7:7\""), 400);
    assertThat(problem.path("errorCount").asInt()).isEqualTo(2);
    assertThat(problem.path("errors")).hasSize(2);
  }

  @Test
  void rejects_duplicate_skus_pointing_at_the_first() throws Exception {
    JsonNode problem = rejected(VALID.replace("TS-002", "TS-001"), 400);
    assertThat(problem.path("errors").path(0).path("message").asString())
        .isEqualTo("duplicate sku 'TS-001' (first at items[0])");
  }

  @Test
  void answers_413_with_the_limit_when_the_body_is_too_large() throws Exception {
    String big = VALID.replace("Organic cotton T-shirt", "x".repeat(70_000));
    JsonNode problem = rejected(big, 413);
    assertThat(problem.path("limitBytes").asLong()).isEqualTo(64 * 1024);
    assertNothingStored();
  }

  @Test
  void answers_415_problem_for_an_unsupported_content_type() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/batches"))
                .header("Content-Type", "text/plain")
                .header("Authorization", ApiTestInfrastructure.AUTHORIZATION)
                .POST(HttpRequest.BodyPublishers.ofString(VALID))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
    assertThat(Json.mapper().readTree(r.body()).path("type").asString())
        .as(r.body())
        .endsWith("/unsupported-media-type");
  }

  private JsonNode rejected(String body, int status) throws Exception {
    HttpResponse<String> r = post(body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).contains("application/problem+json"));
    return Json.mapper().readTree(r.body());
  }

  private HttpResponse<String> post(String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/batches"))
            .header("Content-Type", "application/json")
            .header("Authorization", ApiTestInfrastructure.AUTHORIZATION)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void assertNothingStored() {
    assertThat(count("batches")).isEqualTo(batchesBefore);
    assertThat(count("items")).isEqualTo(itemsBefore);
  }

  private long count(String table) {
    return jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single();
  }
}
