package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.catalogimage.simulator.SimulatorConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A product photo travels with the prompt: fetched by the worker from the merchant's image host and
 * sent to the model as an input image; a URL into the internal network fails the item with the
 * reason, before any provider call.
 */
class ReferenceImageEndToEndTest {

  private static HttpServer imageHost;
  private static LocalPipeline pipeline;
  private static String batchId;

  @BeforeAll
  static void runABatchWithReferencePhotos() throws Exception {
    BufferedImage photo = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(photo, "png", png);
    imageHost = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    imageHost.createContext(
        "/ts-001.png",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "image/png");
          exchange.sendResponseHeaders(200, png.size());
          exchange.getResponseBody().write(png.toByteArray());
          exchange.close();
        });
    imageHost.start();
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0))
                // the merchant's image host of this test lives on loopback: trust just that host
                .withProperty("pipeline.reference-images.trusted-hosts", "127.0.0.1"),
            step -> {});
    String photoUrl = "http://127.0.0.1:" + imageHost.getAddress().getPort() + "/ts-001.png";
    byte[] catalog =
        """
        {"name": "with-photos", "tier": "fast",
         "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
         "altTextLocales": ["en"],
         "items": [
           {"sku": "WITH-PHOTO", "title": "T-shirt", "referenceImage": {"url": "%s"}},
           {"sku": "METADATA", "title": "Mug",
            "referenceImage": {"url": "http://169.254.169.254/latest/meta-data/"}},
           {"sku": "NO-PHOTO", "title": "Cap"}]}
        """
            .formatted(photoUrl)
            .getBytes(StandardCharsets.UTF_8);
    batchId = Pipelines.submit(pipeline, catalog);
    Pipelines.awaitCompleted(pipeline, batchId, Duration.ofSeconds(90));
  }

  @AfterAll
  static void stop() {
    pipeline.close();
    imageHost.stop(0);
  }

  private static Map<String, Object> item(String sku) {
    return Pipelines.jdbc(pipeline)
        .sql(
            """
            SELECT i.state, i.attempts, i.last_error_type, i.last_error_message,
                   (SELECT max(tokens_in) FROM attempts a WHERE a.item_id = i.item_id) AS tokens_in
              FROM items i WHERE i.batch_id = CAST(:b AS uuid) AND i.sku = :sku
            """)
        .param("b", batchId)
        .param("sku", sku)
        .query()
        .singleRow();
  }

  @Test
  void the_photo_is_sent_to_the_model_as_an_input_image() {
    Map<String, Object> withPhoto = item("WITH-PHOTO");
    Map<String, Object> withoutPhoto = item("NO-PHOTO");

    assertThat(withPhoto.get("state")).isEqualTo("SUCCEEDED");
    assertThat(withoutPhoto.get("state")).isEqualTo("SUCCEEDED");
    // the provider bills 560 input tokens per image for Nano Banana 2: the photo arrived
    assertThat(((Number) withPhoto.get("tokens_in")).intValue())
        .isGreaterThanOrEqualTo(((Number) withoutPhoto.get("tokens_in")).intValue() + 560);
  }

  @Test
  void a_url_into_the_internal_network_fails_the_item_before_any_call() {
    Map<String, Object> item = item("METADATA");

    assertThat(item.get("state")).isEqualTo("FAILED");
    assertThat(item.get("last_error_type")).isEqualTo("REFERENCE_IMAGE");
    assertThat((String) item.get("last_error_message"))
        .contains("169.254.169.254")
        .contains("link-local");
    assertThat(item.get("attempts")).isEqualTo(0);
    assertThat(item.get("tokens_in")).isNull();
  }
}
