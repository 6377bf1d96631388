package io.catalogimage.api.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestClient;
import io.catalogimage.api.ApiTestInfrastructure;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A SKU whose results could never be stored (its encoded object key part is longer than object
 * stores allow) is refused at intake with the field or line, instead of being accepted, generated,
 * paid for and lost at the PUT. (Same context as UploadTest: no extra start-up.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ObjectKeyLimitTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  private static final String CJK_128 = "商".repeat(128);
  private static final String SLASHES_128 = "/".repeat(128);
  private static final String EMOJI_64 = "\uD83D\uDE00".repeat(32); // 64 chars, 32 emoji

  private long batchesNamed(String name) {
    return jdbc.sql("SELECT count(*) FROM batches WHERE name = :n")
        .param("n", name)
        .query(Long.class)
        .single();
  }

  @Test
  void a_json_item_whose_sku_cannot_be_an_object_key_is_refused_naming_the_field()
      throws Exception {
    String name = "keys-" + UUID.randomUUID();
    ApiTestClient.Answer a =
        new ApiTestClient(port)
            .call(
                "POST",
                "/v1/batches",
                """
                {"name": "%s", "tier": "fast",
                 "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
                 "items": [{"sku": "OK-1", "title": "Mug"},
                           {"sku": "%s", "title": "Mug"},
                           {"sku": "%s", "title": "Mug"},
                           {"sku": "%s", "title": "Mug"},
                           {"sku": "%s", "title": "Mug"}]}
                """
                    .formatted(name, CJK_128, SLASHES_128, EMOJI_64, "商".repeat(28)));

    assertThat(a.status()).isEqualTo(400);
    JsonNode errors = a.body().path("errors");
    assertThat(errors.size()).isEqualTo(3);
    assertThat(errors.path(0).path("field").asString()).isEqualTo("items[1].sku");
    assertThat(errors.path(0).path("message").asString()).contains("255 bytes per key part");
    assertThat(errors.path(1).path("field").asString()).isEqualTo("items[2].sku");
    assertThat(errors.path(2).path("field").asString()).isEqualTo("items[3].sku");
    assertThat(batchesNamed(name)).isZero();
  }

  @Test
  void an_upload_line_whose_sku_cannot_be_an_object_key_is_refused_with_its_line()
      throws Exception {
    String name = "keys-" + UUID.randomUUID();
    String body =
        "{\"sku\": \"A-1\", \"title\": \"Mug\"}\n{\"sku\": \""
            + CJK_128
            + "\", \"title\": \"Mug\"}\n";
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + port
                                + "/v1/batches?name="
                                + name
                                + "&variant=listing:1:1:1K"))
                    .header("Authorization", ApiTestInfrastructure.AUTHORIZATION)
                    .header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("\"line\":2").contains("sku").contains("per key part");
    assertThat(batchesNamed(name)).isZero();
  }
}
