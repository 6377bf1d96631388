package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.catalogimage.common.json.Json;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.simulator.SimulatorConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The whole path over HTTP, on real Postgres, Kafka, S3 and a simulator spoken to over HTTP. */
class EndToEndTest {

  private static LocalPipeline pipeline;
  private static String batchId;
  private static JsonNode finished;
  private static final HttpClient http = HttpClient.newHttpClient();
  private static HttpServer webhookReceiver;
  private static final List<Map<String, Object>> webhooks = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void runOneBatch() throws Exception {
    webhookReceiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhookReceiver.createContext(
        "/hooks",
        exchange -> {
          Map<String, List<String>> headers = new HashMap<>();
          exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v));
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          webhooks.add(Map.of("headers", headers, "body", body));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    webhookReceiver.start();
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0.0)),
            step -> {});
    String hooks = "http://127.0.0.1:" + webhookReceiver.getAddress().getPort() + "/hooks";
    assertThat(pipeline.client().put("/v1/tenant/webhook", "{\"url\": \"" + hooks + "\"}").status())
        .isEqualTo(200);
    batchId = Pipelines.submit(pipeline, Catalogs.twoVariants("e2e", 6, "en", "de"));
    finished = Pipelines.awaitCompleted(pipeline, batchId, Duration.ofSeconds(90));
  }

  @AfterAll
  static void stop() {
    pipeline.close();
    webhookReceiver.stop(0);
  }

  @Test
  void every_item_succeeds() {
    assertThat(finished.path("counts").path("SUCCEEDED").asInt()).isEqualTo(12);
    assertThat(finished.path("progress").path("percent").asDouble()).isEqualTo(100.0);
    assertThat(Pipelines.states(pipeline, batchId)).containsOnlyKeys("SUCCEEDED");
  }

  @Test
  void each_image_in_object_storage_is_a_png_of_the_requested_dimensions() throws Exception {
    for (String itemId : Pipelines.items(pipeline, batchId)) {
      JsonNode item = item(itemId);
      byte[] png = download(item.path("result").path("imageUrl").asString());
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
      String expected =
          item.path("variant").asString().equals("listing") ? "1024x1024" : "4096x1024";
      assertThat(image.getWidth() + "x" + image.getHeight())
          .as(item.path("sku").asString())
          .isEqualTo(expected);
    }
  }

  @Test
  void each_sidecar_has_alt_text_in_every_requested_locale() throws Exception {
    for (String itemId : Pipelines.items(pipeline, batchId)) {
      JsonNode sidecar =
          Json.mapper()
              .readTree(download(item(itemId).path("result").path("sidecarUrl").asString()));
      assertThat(sidecar.path("altText").path("en").asString()).isNotBlank();
      assertThat(sidecar.path("altText").path("de").asString()).isNotBlank();
      assertThat(sidecar.path("served").path("modelVersion").asString())
          .isEqualTo("gemini-3.1-flash-image");
      assertThat(sidecar.path("warnings")).isEmpty();
    }
  }

  @Test
  void the_ledger_has_one_paid_success_per_item_and_sums_to_the_batch_cost() {
    BigDecimal ledger =
        Pipelines.jdbc(pipeline)
            .sql("SELECT sum(cost_usd) FROM attempts WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batchId)
            .query(BigDecimal.class)
            .single();
    assertThat(ledger).isPositive();
    assertThat(finished.path("costUsd").decimalValue()).isEqualByComparingTo(ledger);
    long successes =
        Pipelines.jdbc(pipeline)
            .sql(
                "SELECT count(*) FROM attempts WHERE batch_id = CAST(:b AS uuid) AND outcome = 'SUCCEEDED' AND cost_usd > 0")
            .param("b", batchId)
            .query(Long.class)
            .single();
    assertThat(successes).isEqualTo(12);
    assertThat(finished.path("costByModel").path("gemini-3.1-flash-image").path("images").asInt())
        .isEqualTo(12);
  }

  @Test
  void items_page_with_a_cursor_and_filter_by_state() {
    ApiClient api = pipeline.client();
    JsonNode first = api.get("/v1/batches/" + batchId + "/items?limit=5").body();
    assertThat(first.path("items")).hasSize(5);
    JsonNode second = api.get(first.path("links").path("next").asString()).body();
    JsonNode third = api.get(second.path("links").path("next").asString()).body();
    assertThat(third.path("items")).hasSize(2);
    assertThat(third.path("nextCursor").isNull()).isTrue();
    assertThat(api.get("/v1/batches/" + batchId + "/items?state=FAILED").body().path("items"))
        .isEmpty();
    assertThat(api.get("/v1/batches/" + batchId + "/items?cursor=nonsense").status())
        .isEqualTo(400);
  }

  @Test
  void the_results_manifest_has_one_line_per_item_matching_the_database() throws Exception {
    List<JsonNode> lines =
        lines(download(pipeline.apiUri() + "/v1/batches/" + batchId + "/results"));

    assertThat(lines).hasSize(12);
    for (JsonNode line : lines) {
      Map<String, Object> row =
          Pipelines.jdbc(pipeline)
              .sql(
                  "SELECT sku, variant, state, cost_usd, attempts - caption_calls AS attempts"
                      + " FROM items WHERE item_id = CAST(:i AS uuid)")
              .param("i", line.path("itemId").asString())
              .query()
              .singleRow();
      assertThat(line.path("sku").asString()).isEqualTo(row.get("sku"));
      assertThat(line.path("variant").asString()).isEqualTo(row.get("variant"));
      assertThat(line.path("state").asString()).isEqualTo("SUCCEEDED");
      assertThat(line.path("costUsd").decimalValue())
          .isEqualByComparingTo((BigDecimal) row.get("cost_usd"));
      assertThat(line.path("attempts").asInt()).isEqualTo(row.get("attempts"));
      assertThat(line.path("altText").path("en").asString()).isNotBlank();
      assertThat(line.path("altText").path("de").asString()).isNotBlank();
      assertThat(line.path("modelServed").asString()).isEqualTo("gemini-3.1-flash-image");
      assertThat(line.path("error").isNull()).isTrue();
    }
    byte[] png = download(lines.get(0).path("imageUrl").asString());
    assertThat(ImageIO.read(new ByteArrayInputStream(png))).isNotNull();
  }

  @Test
  void the_results_of_an_unknown_batch_are_a_404_problem() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        pipeline.apiUri()
                            + "/v1/batches/01a20000-0000-7000-8000-000000000000/results"))
                .header("Authorization", "Bearer " + pipeline.apiKey())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void the_tenant_gets_a_signed_batch_completed_webhook_with_the_final_counts() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> !webhooks.isEmpty());

    Map<String, Object> got = webhooks.get(0);
    String body = (String) got.get("body");
    String secret = pipeline.client().get("/v1/tenant/webhook").body().path("secret").asString();
    new com.svix.Webhook(secret).verify(body, (Map<String, List<String>>) got.get("headers"));
    JsonNode event = Json.mapper().readTree(body);
    assertThat(event.path("type").asString()).isEqualTo("batch.completed");
    assertThat(event.path("data").path("batchId").asString()).isEqualTo(batchId);
    assertThat(event.path("data").path("counts").path("SUCCEEDED").asInt()).isEqualTo(12);
    assertThat(event.path("data").path("costUsd").decimalValue())
        .isEqualByComparingTo(finished.path("costUsd").decimalValue());
    assertThat(webhooks).hasSize(1);
  }

  @Test
  void the_manifest_is_in_object_storage_once_the_batch_has_ended() {
    String key =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    Pipelines.jdbc(pipeline)
                        .sql("SELECT manifest_key FROM batches WHERE batch_id = CAST(:b AS uuid)")
                        .param("b", batchId)
                        .query(String.class)
                        .optional()
                        .orElse(null),
                java.util.Objects::nonNull);
    byte[] stored = pipeline.api().getBean(ObjectStore.class).get(key).orElseThrow();

    List<JsonNode> lines = lines(stored);
    assertThat(key).endsWith("/batches/" + batchId + "/manifest.jsonl");
    assertThat(lines).hasSize(12);
    // a file that outlives presigned URLs carries object keys only
    assertThat(lines).allSatisfy(l -> assertThat(l.has("imageUrl")).isFalse());
    assertThat(lines).allSatisfy(l -> assertThat(l.path("imageKey").asString()).endsWith(".png"));
  }

  private static List<JsonNode> lines(byte[] jsonl) {
    return new String(jsonl, StandardCharsets.UTF_8)
        .lines()
        .filter(l -> !l.isBlank())
        .map(l -> Json.mapper().readTree(l))
        .toList();
  }

  private JsonNode item(String itemId) {
    return pipeline.client().get("/v1/batches/" + batchId + "/items/" + itemId).body();
  }

  /** GETs a presigned object URL, or an api URL with the API key. */
  private static byte[] download(String url) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (url.startsWith(pipeline.apiUri().toString())) {
      request.header("Authorization", "Bearer " + pipeline.apiKey());
    }
    HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }
}
