package io.catalogimage.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
  void an_items_state_is_an_enum_of_every_state_including_in_provider_batch() throws Exception {
    JsonNode json = Json.mapper().readTree(get("/v3/api-docs").body());
    List<String> states =
        java.util.Arrays.stream(io.catalogimage.common.item.ItemState.values())
            .map(Enum::name)
            .toList();
    for (String schema : List.of("ItemSummary", "ItemDetail")) {
      JsonNode state = json.path("components").path("schemas").path(schema).path("properties");
      assertThat(state.path("state").path("enum").valueStream().map(JsonNode::asString).toList())
          .as(schema + ".state")
          .containsExactlyElementsOf(states)
          .contains("IN_PROVIDER_BATCH");
    }
    JsonNode filter = null;
    for (JsonNode p :
        json.path("paths").path("/v1/batches/{batchId}/items").path("get").path("parameters")) {
      if (p.path("name").asString().equals("state")) {
        filter = p;
      }
    }
    assertThat(filter).isNotNull();
    assertThat(filter.path("schema").path("enum").valueStream().map(JsonNode::asString).toList())
        .contains("IN_PROVIDER_BATCH");
  }

  @Test
  void every_operation_says_what_it_does_and_how_it_fails() throws Exception {
    JsonNode paths = Json.mapper().readTree(get("/v3/api-docs").body()).path("paths");

    List<String> undocumented = new ArrayList<>();
    List<String> withoutProblems = new ArrayList<>();
    for (var path : paths.properties()) {
      for (var operation : path.getValue().properties()) {
        String name = operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
        if (operation.getValue().path("summary").asString("").isBlank()) {
          undocumented.add(name);
        }
        if (!operation
            .getValue()
            .path("responses")
            .path("401")
            .path("content")
            .has("application/problem+json")) {
          withoutProblems.add(name);
        }
      }
    }

    assertThat(undocumented).as("operations without Javadoc").isEmpty();
    assertThat(withoutProblems).as("operations without their 401 problem").isEmpty();
  }

  @Test
  void the_submission_documents_its_three_bodies_and_its_202() throws Exception {
    JsonNode json = Json.mapper().readTree(get("/v3/api-docs").body());
    JsonNode submit = json.path("paths").path("/v1/batches").path("post");

    assertThat(submit.path("requestBody").path("content").propertyNames())
        .containsExactlyInAnyOrder("application/json", "application/x-ndjson", "text/csv");
    assertThat(submit.path("responses").has("202")).isTrue();
    assertThat(submit.path("responses").path("400").path("content").has("application/problem+json"))
        .isTrue();
    assertThat(
            json.path("components")
                .path("schemas")
                .path("SubmitBatchRequest")
                .path("properties")
                .path("items")
                .path("description")
                .asString())
        .contains("sku");
  }

  @Test
  void swagger_ui_is_served() throws Exception {
    HttpResponse<String> r = get("/swagger-ui/index.html");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Swagger UI");
  }
}
