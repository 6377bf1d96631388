package io.catalogimage.api.problem;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import io.catalogimage.infra.LocalPostgres;
import io.catalogimage.infra.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * PostgreSQL stopped under a running api (a server of its own, not the one other tests share):
 * status and submission calls, uploads and the admin api answer 503 with Retry-After, a problem
 * that says to retry, never a 500.
 */
@DirtiesContext // closed right after, not at the JVM's exit with its database gone
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    // not the 5 s of pipeline-api.yml: the same answer, a shorter test
    properties = "spring.datasource.hikari.connection-timeout=1500")
class DatabaseOutageTest {

  private static LocalPostgres postgres;
  private static boolean stopped;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    postgres = LocalPostgres.start(false);
    ApiTestInfrastructure.register(registry, postgres.createDatabase("outage"));
  }

  @AfterAll
  static void stopIfStillRunning() {
    if (!stopped) {
      stopPostgres();
    }
  }

  private static void stopPostgres() {
    stopped = true;
    postgres.close();
  }

  @LocalServerPort int port;

  private RawHttp.Response send(String method, String path, String type, String body, String auth) {
    List<String[]> headers =
        type == null
            ? List.<String[]>of(new String[] {"Authorization", auth})
            : List.of(new String[] {"Authorization", auth}, new String[] {"Content-Type", type});
    return new RawHttp(port)
        .send(method, path, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void while_postgres_is_down_calls_answer_503_with_retry_after() throws Exception {
    String key = ApiTestInfrastructure.AUTHORIZATION;
    String catalog =
        "{\"variants\": [{\"name\": \"listing\"}], \"items\": [{\"sku\": \"A\", \"title\": \"T\"}]}";
    RawHttp.Response accepted = send("POST", "/v1/batches", "application/json", catalog, key);
    assertThat(accepted.status()).isEqualTo(202);
    String batch = Json.mapper().readTree(accepted.text()).path("id").asString();

    stopPostgres();

    String admin = "Bearer " + ApiTestInfrastructure.ADMIN_TOKEN;
    for (RawHttp.Response r :
        List.of(
            send("GET", "/v1/batches/" + batch, null, null, key),
            send("GET", "/v1/batches/" + batch + "/items", null, null, key),
            send("POST", "/v1/batches", "application/json", catalog, key),
            send(
                "POST",
                "/v1/batches?variant=listing:1:1:1K",
                "application/x-ndjson",
                "{\"sku\": \"A\", \"title\": \"T\"}\n",
                key),
            send("GET", "/v1/admin/tenants", null, null, admin))) {
      assertThat(r.status()).as(r.text()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isEqualTo("5");
      assertThat(r.isProblem()).isTrue();
      assertThat(r.text()).contains("service-unavailable");
    }
  }
}
