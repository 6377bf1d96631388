package io.catalogimage.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestClient;
import io.catalogimage.api.ApiTestClient.Answer;
import io.catalogimage.api.ApiTestInfrastructure;
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

  private Answer send(String method, String path, String body) throws Exception {
    return new ApiTestClient(port).call(method, path, body);
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
    Answer r =
        send(
            "POST",
            "/v1/batches",
            """
            {"name": "ssrf", "callbackUrl": "%s",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "items": [{"sku": "S-1", "title": "Mug"}]}
            """
                .formatted(url));

    assertThat(r.status()).isEqualTo(400);
    JsonNode error = r.body().path("errors").path(0);
    assertThat(error.path("field").asString()).isEqualTo("callbackUrl");
    assertThat(
            jdbc.sql("SELECT count(*) FROM batches WHERE name = 'ssrf'").query(Long.class).single())
        .isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://[::1]/hook", "https://192.168.0.10/hook"})
  void theTenantsWebhookUrlIsCheckedTheSameWay(String url) throws Exception {
    Answer r = send("PUT", "/v1/tenant/webhook", "{\"url\": \"" + url + "\"}");

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().toString()).contains("/invalid-parameter").contains("url");
    assertThat(
            jdbc.sql("SELECT count(*) FROM tenants WHERE webhook_url IS NOT NULL")
                .query(Long.class)
                .single())
        .isZero();
  }
}
