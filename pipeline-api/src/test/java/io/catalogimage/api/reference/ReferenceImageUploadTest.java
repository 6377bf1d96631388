package io.catalogimage.api.reference;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import io.catalogimage.common.storage.ObjectStore;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** Product photos uploaded to the api for items to name by object key. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReferenceImageUploadTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
    registry.add("pipeline.intake.max-reference-image-size", () -> "64KB");
  }

  @LocalServerPort int port;
  @Autowired ObjectStore store;

  private final HttpClient http = HttpClient.newHttpClient();

  private static byte[] png(int size) throws Exception {
    java.awt.image.BufferedImage image =
        new java.awt.image.BufferedImage(size, size, java.awt.image.BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < size; x++) {
      for (int y = 0; y < size; y++) {
        image.setRGB(x, y, (x * 7919 + y * 104729) & 0xffffff); // noise: PNG cannot shrink it
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    javax.imageio.ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  private HttpResponse<byte[]> send(String method, String name, String type, byte[] body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/v1/reference-images/" + name))
            .header("Authorization", ApiTestInfrastructure.AUTHORIZATION)
            .header("Content-Type", type)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static JsonNode json(HttpResponse<byte[]> r) {
    return Json.mapper().readTree(r.body());
  }

  @Test
  void aPhotoIsStoredUnderTheTenantsPrefixAndCanBeNamedByItems() throws Exception {
    byte[] photo = png(32);

    HttpResponse<byte[]> put = send("PUT", "ts-001.png", "image/png", photo);

    assertThat(put.statusCode()).isEqualTo(201);
    assertThat(json(put).path("objectKey").asString()).isEqualTo("references/ts-001.png");
    assertThat(json(put).path("contentType").asString()).isEqualTo("image/png");
    assertThat(store.get("tenants/00000000-0000-0000-0000-000000000001/references/ts-001.png"))
        .hasValueSatisfying(b -> assertThat(Arrays.equals(b, photo)).isTrue());
    HttpResponse<byte[]> got = send("GET", "ts-001.png", "application/json", null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.headers().firstValue("Content-Type")).hasValue("image/png");
    assertThat(got.body()).isEqualTo(photo);
  }

  @Test
  void whatIsNotAnImageOrIsNotWhatItSaysIsRefused() throws Exception {
    HttpResponse<byte[]> text =
        send("PUT", "notes.png", "application/octet-stream", "hello".getBytes());
    HttpResponse<byte[]> lying = send("PUT", "photo.jpg", "image/jpeg", png(8));

    assertThat(text.statusCode()).isEqualTo(415);
    assertThat(json(text).path("detail").asString()).contains("not a PNG, JPEG or WebP");
    assertThat(lying.statusCode()).isEqualTo(415);
    assertThat(json(lying).path("detail").asString())
        .contains("declared image/jpeg but is image/png");
    assertThat(send("GET", "notes.png", "application/json", null).statusCode()).isEqualTo(404);
  }

  @Test
  void aPhotoOverTheLimitIs413WithTheLimit() throws Exception {
    HttpResponse<byte[]> big = send("PUT", "big.png", "image/png", png(256));

    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(json(big).path("limitBytes").asLong()).isEqualTo(64 * 1024);
    assertThat(store.get("tenants/00000000-0000-0000-0000-000000000001/references/big.png"))
        .isEmpty();
  }

  @Test
  void aNameThatIsNotOneSimpleFileNameIsRefused() throws Exception {
    HttpResponse<byte[]> r = send("PUT", ".hidden", "image/png", png(8));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).path("parameter").asString()).isEqualTo("name");
  }
}
