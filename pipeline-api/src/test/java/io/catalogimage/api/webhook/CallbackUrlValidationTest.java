package io.catalogimage.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * With the default policy, a callback URL aimed at our own network is refused where it is given:
 * the batch is not stored, the tenant's URL is not changed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CallbackUrlValidationTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", ApiTestInfrastructure.AUTHORIZATION)
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://169.254.169.254/latest/meta-data/iam",
        "https://127.0.0.1:8080/v1/admin/tenants",
        "https://10.0.0.5/hook",
        "http://hooks.example.com/plain-http",
      })
  void aSubmissionWithAnInternalCallbackIsRejectedAndNothingStored(String url) throws Exception {
    HttpResponse<String> r =
        send(
            "POST",
            "/v1/batches",
            """
            {"name": "ssrf", "callbackUrl": "%s",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "items": [{"sku": "S-1", "title": "Mug"}]}
            """
                .formatted(url));

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = Json.mapper().readTree(r.body()).path("errors").path(0);
    assertThat(error.path("field").asString()).isEqualTo("callbackUrl");
    assertThat(
            jdbc.sql("SELECT count(*) FROM batches WHERE name = 'ssrf'").query(Long.class).single())
        .isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://[::1]/hook", "https://192.168.0.10/hook"})
  void theTenantsWebhookUrlIsCheckedTheSameWay(String url) throws Exception {
    HttpResponse<String> r = send("PUT", "/v1/tenant/webhook", "{\"url\": \"" + url + "\"}");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("/invalid-parameter").contains("url");
    assertThat(
            jdbc.sql("SELECT count(*) FROM tenants WHERE webhook_url IS NOT NULL")
                .query(Long.class)
                .single())
        .isZero();
  }
}
