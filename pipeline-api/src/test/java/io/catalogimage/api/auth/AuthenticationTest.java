package io.catalogimage.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Tenants and keys: the admin api issues and revokes keys, every /v1 call needs one, and a key
 * never sees another tenant's batch, not even with its id (404, not 403).
 */
// its many refused keys come from one address: the failed-authentication limit (AuthRateLimitTest's
// subject) would otherwise block the admin token too, depending on the order and speed of the tests
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "pipeline.security.failed-auth-per-minute=1000",
      "pipeline.security.failed-auth-per-key-per-minute=1000"
    })
class AuthenticationTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  private static final String CATALOG =
      """
      {"name": "mine", "tier": "fast",
       "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
       "items": [{"sku": "A-1", "title": "Mug"}]}
      """;

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  private final HttpClient http = HttpClient.newHttpClient();
  private String keyA;
  private String keyB;

  private record Answer(int status, JsonNode body, HttpResponse<String> raw) {}

  private Answer call(String method, String path, String authorization, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    b.header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = r.body().isEmpty() ? null : Json.mapper().readTree(r.body());
    return new Answer(r.statusCode(), json, r);
  }

  private static String admin() {
    return "Bearer " + ApiTestInfrastructure.ADMIN_TOKEN;
  }

  private String newTenantKey(String name) throws Exception {
    Answer tenant = call("POST", "/v1/admin/tenants", admin(), "{\"name\": \"" + name + "\"}");
    assertThat(tenant.status()).isEqualTo(201);
    String id = tenant.body().path("id").asString();
    Answer key = call("POST", "/v1/admin/tenants/" + id + "/keys", admin(), "{\"name\": \"ci\"}");
    assertThat(key.status()).isEqualTo(201);
    return key.body().path("key").asString();
  }

  @BeforeEach
  void twoTenants() throws Exception {
    keyA = newTenantKey("tenant-a-" + UUID.randomUUID());
    keyB = newTenantKey("tenant-b-" + UUID.randomUUID());
  }

  @Test
  void aKeyIsShownOnceStoredHashedAndListedByItsPrefix() throws Exception {
    Answer tenant =
        call("POST", "/v1/admin/tenants", admin(), "{\"name\": \"t-" + UUID.randomUUID() + "\"}");
    String tenantId = tenant.body().path("id").asString();
    Answer issued = call("POST", "/v1/admin/tenants/" + tenantId + "/keys", admin(), null);
    String key = issued.body().path("key").asString();
    String prefix = issued.body().path("prefix").asString();

    assertThat(key).startsWith(prefix + "_").hasSize(47);
    Answer listed = call("GET", "/v1/admin/tenants/" + tenantId + "/keys", admin(), null);
    assertThat(listed.body().path(0).path("prefix").asString()).isEqualTo(prefix);
    assertThat(listed.raw().body()).doesNotContain(key.substring(prefix.length() + 1));
    byte[] stored =
        jdbc.sql("SELECT secret_hash FROM api_keys WHERE prefix = :p")
            .param("p", prefix)
            .query(byte[].class)
            .single();
    assertThat(stored).hasSize(32).isEqualTo(ApiKeyFormat.hash(key));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "none",
      value = {
        "none",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-key",
        "Bearer cip_0000000000_00000000000000000000000000000000",
      })
  void noMalformedOrUnknownKeyGetsIn(String authorization) throws Exception {
    Answer a = call("GET", "/v1/batches/01a20000-0000-7000-8000-000000000000", authorization, null);

    assertThat(a.status()).isEqualTo(401);
    assertThat(a.body().path("type").asString()).endsWith("/unauthenticated");
    assertThat(a.raw().headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(a.raw().headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
  }

  @Test
  void aRevokedKeyStopsWorkingAtOnce() throws Exception {
    assertThat(call("GET", "/v1/tenant/cost-cap", "Bearer " + keyA, null).status()).isEqualTo(200);
    String prefix = keyA.substring(0, 14);
    String keyId =
        jdbc.sql("SELECT CAST(key_id AS text) FROM api_keys WHERE prefix = :p")
            .param("p", prefix)
            .query(String.class)
            .single();
    String tenantId =
        jdbc.sql("SELECT CAST(tenant_id AS text) FROM api_keys WHERE prefix = :p")
            .param("p", prefix)
            .query(String.class)
            .single();

    Answer revoked =
        call("DELETE", "/v1/admin/tenants/" + tenantId + "/keys/" + keyId, admin(), null);

    assertThat(revoked.status()).isEqualTo(204);
    Answer after = call("GET", "/v1/tenant/cost-cap", "Bearer " + keyA, null);
    assertThat(after.status()).isEqualTo(401);
    assertThat(after.body().path("type").asString()).endsWith("/unauthenticated");
    // on every path, uploads included, before a byte of the body is taken
    assertThat(call("POST", "/v1/batches", "Bearer " + keyA, CATALOG).status()).isEqualTo(401);
  }

  @Test
  void theAdminApiNeedsTheAdminTokenNotAnApiKey() throws Exception {
    Answer asTenant = call("GET", "/v1/admin/tenants", "Bearer " + keyA, null);
    assertThat(asTenant.status()).isEqualTo(403);
    assertThat(asTenant.body().path("type").asString()).endsWith("/forbidden");
    assertThat(call("GET", "/v1/admin/tenants", null, null).status()).isEqualTo(401);
    assertThat(call("GET", "/v1/admin/tenants", admin(), null).status()).isEqualTo(200);
    // and the admin token acts for no tenant
    assertThat(call("GET", "/v1/tenant/cost-cap", admin(), null).status()).isEqualTo(403);
  }

  /** A key changed in any way is not the key: 401, never another tenant's door. */
  @Test
  void anAlteredKeyIsRefused() throws Exception {
    assertThat(call("GET", "/v1/tenant/cost-cap", "Bearer " + keyA, null).status()).isEqualTo(200);
    String prefix = keyA.substring(0, 14);
    char last = keyA.charAt(keyA.length() - 1);
    List<String> altered =
        List.of(
            keyA.toUpperCase(java.util.Locale.ROOT),
            keyA.toLowerCase(java.util.Locale.ROOT),
            keyA + "x",
            keyA.substring(0, keyA.length() - 1),
            keyA.substring(0, keyA.length() - 1) + (last == 'a' ? 'b' : 'a'),
            prefix,
            prefix + "_",
            " " + keyA + "x",
            keyA.substring(15) + "_" + keyA.substring(0, 14));
    for (String key : altered) {
      if (key.equals(keyA)) {
        continue; // a key with no letters to change case
      }
      Answer a = call("GET", "/v1/tenant/cost-cap", "Bearer " + key, null);
      assertThat(a.status()).as(key).isEqualTo(401);
      assertThat(a.body().path("type").asString()).endsWith("/unauthenticated");
    }
  }

  @Test
  void everyAnswerCarriesTheSecurityHeadersAndCorsIsClosed() throws Exception {
    for (Answer a :
        List.of(
            call("GET", "/v1/tenant/cost-cap", "Bearer " + keyA, null),
            call("GET", "/v1/tenant/cost-cap", null, null),
            call("GET", "/v1/admin/tenants", "Bearer " + keyA, null))) {
      assertThat(a.raw().headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(a.raw().headers().firstValue("X-Frame-Options")).hasValue("DENY");
      assertThat(a.raw().headers().firstValue("Cache-Control")).isPresent();
    }
    HttpResponse<String> preflight =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/tenant/cost-cap"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://anywhere.example")
                .header("Access-Control-Request-Method", "GET")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).isEqualTo(401);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void theBearerSchemeIsTheOnlyOneAndOneHeaderAtATime() throws Exception {
    HttpResponse<String> twice =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/tenant/cost-cap"))
                .header("Authorization", "Bearer " + keyA)
                .header("Authorization", "Bearer " + keyB)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(twice.statusCode()).isEqualTo(401);
    assertThat(call("GET", "/v1/tenant/cost-cap", "bearer " + keyA, null).status()).isEqualTo(200);
    assertThat(call("GET", "/v1/tenant/cost-cap", "Token " + keyA, null).status()).isEqualTo(401);
  }

  @Test
  void anotherTenantsBatchIsNotFoundOnEveryEndpoint() throws Exception {
    Answer submitted = call("POST", "/v1/batches", "Bearer " + keyA, CATALOG);
    assertThat(submitted.status()).isEqualTo(202);
    String batch = submitted.body().path("id").asString();
    String item =
        jdbc.sql("SELECT CAST(item_id AS text) FROM items WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batch)
            .query(String.class)
            .single();
    String b = "/v1/batches/" + batch;
    List<String[]> endpoints =
        List.of(
            new String[] {"GET", b, null},
            new String[] {"GET", b + "/items", null},
            new String[] {"GET", b + "/items/" + item, null},
            new String[] {"GET", b + "/results", null},
            new String[] {"POST", b + "/cancel", null},
            new String[] {"POST", b + "/retry", null},
            new String[] {"PUT", b + "/cost-cap", "{\"costCapUsd\": 1}"},
            new String[] {"GET", b + "/webhooks", null});

    for (String[] e : endpoints) {
      Answer asB = call(e[0], e[1], "Bearer " + keyB, e[2]);
      assertThat(asB.status()).as(e[0] + " " + e[1] + " with another tenant's key").isEqualTo(404);
      assertThat(asB.raw().body()).doesNotContain("Mug");
    }
    // and the owner still sees it, untouched by B's attempts
    Answer asA = call("GET", b, "Bearer " + keyA, null);
    assertThat(asA.status()).isEqualTo(200);
    assertThat(asA.body().path("counts").path("CANCELLED").asInt()).isZero();
    assertThat(asA.body().path("plan").has("costCapUsd")).isFalse();
  }

  @Test
  void eachTenantHasItsOwnMonthlyCap() throws Exception {
    call("PUT", "/v1/tenant/cost-cap", "Bearer " + keyA, "{\"monthlyCapUsd\": 100}");

    assertThat(
            call("GET", "/v1/tenant/cost-cap", "Bearer " + keyA, null)
                .body()
                .path("monthlyCapUsd")
                .asInt())
        .isEqualTo(100);
    assertThat(
            call("GET", "/v1/tenant/cost-cap", "Bearer " + keyB, null)
                .body()
                .path("monthlyCapUsd")
                .isNull())
        .isTrue();
  }
}
