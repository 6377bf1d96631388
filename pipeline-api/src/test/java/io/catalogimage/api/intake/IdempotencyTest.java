package io.catalogimage.api.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A retried submission with the same Idempotency-Key gets the same batch, never a second one. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class IdempotencyTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  private static final String CATALOG =
      """
      {"name": "idem", "tier": "fast",
       "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
       "items": [{"sku": "I-1", "title": "Mug"}, {"sku": "I-2", "title": "Lamp"}]}
      """;

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> submit(String key, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/batches"))
            .header("Authorization", ApiTestInfrastructure.AUTHORIZATION)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String id(HttpResponse<String> r) {
    return Json.mapper().readTree(r.body()).path("id").asString();
  }

  private long batchesNamed(String name) {
    return jdbc.sql("SELECT count(*) FROM batches WHERE name = :n")
        .param("n", name)
        .query(Long.class)
        .single();
  }

  @Test
  void aRetryWithTheSameKeyAndBodyGetsTheSameBatch() throws Exception {
    String key = UUID.randomUUID().toString();
    String body = CATALOG.replace("\"idem\"", "\"idem-retry\"");

    HttpResponse<String> first = submit(key, body);
    HttpResponse<String> again = submit(key, body);

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(id(again)).isEqualTo(id(first));
    assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(Json.mapper().readTree(again.body()).path("itemCount").asInt()).isEqualTo(2);
    assertThat(batchesNamed("idem-retry")).isEqualTo(1);
  }

  @Test
  void theSameKeyWithAnotherBodyIsRefusedAndStoresNothing() throws Exception {
    String key = UUID.randomUUID().toString();
    String firstId = id(submit(key, CATALOG.replace("\"idem\"", "\"idem-a\"")));

    HttpResponse<String> other = submit(key, CATALOG.replace("\"idem\"", "\"idem-b\""));

    assertThat(other.statusCode()).isEqualTo(422);
    assertThat(other.body()).contains("idempotency-key-reused").contains(firstId);
    assertThat(batchesNamed("idem-b")).isZero();
  }

  @Test
  void aRejectedSubmissionDoesNotUseUpItsKey() throws Exception {
    String key = UUID.randomUUID().toString();

    HttpResponse<String> invalid = submit(key, CATALOG.replace("\"1:1\"", "\"5:1\""));
    HttpResponse<String> fixed = submit(key, CATALOG.replace("\"idem\"", "\"idem-fixed\""));

    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(fixed.statusCode()).isEqualTo(202);
    assertThat(batchesNamed("idem-fixed")).isEqualTo(1);
  }

  @Test
  void concurrentRetriesMakeOneBatch() throws Exception {
    String key = UUID.randomUUID().toString();
    String body = CATALOG.replace("\"idem\"", "\"idem-race\"");
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(() -> submit(key, body));
    }
    List<String> ids = new ArrayList<>();
    for (Future<HttpResponse<String>> f : pool.invokeAll(calls)) {
      assertThat(f.get().statusCode()).isEqualTo(202);
      ids.add(id(f.get()));
    }
    pool.shutdown();

    assertThat(ids).containsOnly(ids.get(0));
    assertThat(batchesNamed("idem-race")).isEqualTo(1);
  }

  @Test
  void aMalformedKeyIsA400() throws Exception {
    HttpResponse<String> r = submit("a key with spaces", CATALOG);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("Idempotency-Key");
  }
}
