package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.json.Json;
import io.catalogimage.simulator.SimulatorConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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

  @BeforeAll
  static void runOneBatch() {
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0.0)),
            step -> {});
    batchId = Pipelines.submit(pipeline, Catalogs.twoVariants("e2e", 6, "en", "de"));
    finished = Pipelines.awaitCompleted(pipeline, batchId, Duration.ofSeconds(90));
  }

  @AfterAll
  static void stop() {
    pipeline.close();
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
    ApiClient api = new ApiClient(pipeline.apiUri());
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

  private JsonNode item(String itemId) {
    return new ApiClient(pipeline.apiUri())
        .get("/v1/batches/" + batchId + "/items/" + itemId)
        .body();
  }

  private static byte[] download(String url) throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }
}
