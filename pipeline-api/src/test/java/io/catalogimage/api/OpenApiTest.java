package io.catalogimage.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** An integrator can discover the whole API from the running service. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "spring.config.name=pipeline-api")
class OpenApiTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void the_openapi_document_lists_every_endpoint() throws Exception {
    HttpResponse<String> r = get("/v3/api-docs");

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode json = Json.mapper().readTree(r.body());
    JsonNode paths = json.path("paths");
    assertThat(paths.path("/v1/batches").has("post")).isTrue();
    assertThat(paths.path("/v1/batches/{batchId}").has("get")).isTrue();
    assertThat(paths.path("/v1/batches/{batchId}/items").has("get")).isTrue();
    assertThat(paths.path("/v1/batches/{batchId}/items/{itemId}").has("get")).isTrue();
    assertThat(paths.path("/v1/batches/{batchId}/webhooks").has("get")).isTrue();
    assertThat(paths.path("/v1/tenant/webhook").has("put")).isTrue();
    assertThat(paths.path("/v1/variant-presets/{name}").has("put")).isTrue();
    assertThat(paths.path("/v1/reference-images/{name}").has("put")).isTrue();
    assertThat(json.path("info").path("description").asString()).contains("webhook-signature");
  }

  @Test
  void swagger_ui_is_served() throws Exception {
    HttpResponse<String> r = get("/swagger-ui/index.html");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Swagger UI");
  }
}
