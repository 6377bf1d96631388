package io.catalogimage.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestClient;
import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import io.catalogimage.infra.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The api attacked as the review did, on every operation of its own OpenAPI document, read at test
 * time (an endpoint added later is attacked without touching this test), each spelled every way a
 * path can be bent: {@code ;x=1} and {@code ;} after each segment, a percent-encoded letter in each
 * segment, an encoded {@code /}, {@code //}, {@code /./}, {@code /x/../} and {@code /..;/} at each
 * separator, a trailing {@code /} and {@code ;}, upper case. Each spelling is sent byte for byte (a
 * raw socket, no client normalising it):
 *
 * <ul>
 *   <li>without credentials: always 400 or 401, never a hint that the path exists;
 *   <li>with a tenant's key on the admin api: never 2xx;
 *   <li>with tenant B's key on tenant A's batch, items, results, webhooks, reference images and
 *       presets: never 2xx on A's ids, never a byte of A's data.
 * </ul>
 *
 * Every answer is a problem with the default security headers, never a 5xx; afterwards A's data is
 * untouched and no key was minted.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.config.name=pipeline-api",
      // thousands of deliberate failures from this one address: the limits are tested elsewhere
      "pipeline.security.failed-auth-per-minute=1000000",
      "pipeline.security.failed-auth-per-key-per-minute=1000000"
    })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EveryPathSpellingTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  private static final String ADMIN = "Bearer " + ApiTestInfrastructure.ADMIN_TOKEN;

  /** Text only tenant A's data holds: B must never see it. */
  private static final String A_SKU = "A-PRIVATE-SKU-7731";

  private static final String A_TITLE = "Tenant A private title 7731";
  private static final String A_PRESET = "a-private-preset";
  private static final String A_VARIANT = "a-private-variant";
  private static final String A_REFERENCE = "a-private-photo.png";
  private static final String A_EVENT_BODY = "A-PRIVATE-EVENT-7731";
  private static final String A_SCHEDULE = "A-PRIVATE-SCHEDULE-7731";
  private static final byte[] PNG =
      Base64.getDecoder()
          .decode(
              "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  private RawHttp raw;
  private ApiTestClient api;
  private String keyA;
  private String keyB;
  private String webhookSecretA;
  private long keysBefore;
  private long tenantsBefore;

  /** Path placeholder -> tenant A's value. */
  private final Map<String, String> aIds = new LinkedHashMap<>();

  record Operation(String method, String template, JsonNode spec) {
    boolean admin() {
      return template.startsWith("/v1/admin");
    }

    boolean hasIds() {
      return template.contains("{");
    }
  }

  @BeforeAll
  void tenantAWithDataAndTenantB() throws Exception {
    raw = new RawHttp(port);
    api = new ApiTestClient(port);
    String tenantA = newTenant("a-" + UUID.randomUUID());
    keyA = newKey(tenantA);
    keyB = newKey(newTenant("b-" + UUID.randomUUID()));
    String batch =
        call(
                keyA,
                "POST",
                "/v1/batches",
                "{\"name\": \"a-batch\", \"variants\": [{\"name\": \"listing\"}], \"items\":"
                    + " [{\"sku\": \""
                    + A_SKU
                    + "\", \"title\": \""
                    + A_TITLE
                    + "\"}]}")
            .body()
            .path("id")
            .asString();
    String item =
        jdbc.sql("SELECT CAST(item_id AS text) FROM items WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batch)
            .query(String.class)
            .single();
    assertThat(
            call(
                    keyA,
                    "PUT",
                    "/v1/variant-presets/" + A_PRESET,
                    "{\"variants\": [{\"name\": \"" + A_VARIANT + "\"}]}")
                .status())
        .isEqualTo(200);
    RawHttp.Response uploaded =
        raw.send(
            "PUT",
            "/v1/reference-images/" + A_REFERENCE,
            List.of(
                new String[] {"Authorization", "Bearer " + keyA},
                new String[] {"Content-Type", "image/png"}),
            PNG);
    assertThat(uploaded.status()).isEqualTo(201);
    webhookSecretA = call(keyA, "GET", "/v1/tenant/webhook", null).body().path("secret").asString();
    String event = "evt_" + UUID.randomUUID();
    jdbc.sql(
            """
            INSERT INTO webhook_events (event_id, tenant_id, batch_id, type, dedupe_key, url, body,
                                        state, next_attempt_at, created_at)
            VALUES (:id, CAST(:t AS uuid), CAST(:b AS uuid), 'batch.completed', :id,
                    'https://hooks.example.com/a', :body, 'FAILED', now() + interval '1 day', now())
            """)
        .param("id", event)
        .param("t", tenantA)
        .param("b", batch)
        .param("body", "{\"marker\": \"" + A_EVENT_BODY + "\"}")
        .update();
    String keyId =
        jdbc.sql("SELECT CAST(key_id AS text) FROM api_keys WHERE prefix = :p")
            .param("p", keyA.substring(0, 14))
            .query(String.class)
            .single();
    aIds.put("batchId", batch);
    aIds.put("itemId", item);
    // a kept version of A's item (issue 18), its image the photo A uploaded
    jdbc.sql(
            """
            INSERT INTO item_turns (item_id, attempt_no, tenant_id, turn, model, request_text,
                                    model_parts, image_key, sidecar_key, created_at)
            VALUES (CAST(:item AS uuid), 1, CAST(:tenant AS uuid), 0, 'gemini-3-pro-image', 'x',
                    '[]'::jsonb, :key, :key, now())
            """)
        .param("item", item)
        .param("tenant", tenantA)
        .param("key", "tenants/" + tenantA + "/references/" + A_REFERENCE)
        .update();
    aIds.put("version", "1");
    // a recaption request of A's batch (issue 19)
    String recaption = UUID.randomUUID().toString();
    jdbc.sql(
            """
            INSERT INTO alt_text_recaptions (recaption_id, tenant_id, batch_id, request,
                                             request_hash, items, created_at)
            VALUES (CAST(:id AS uuid), CAST(:t AS uuid), CAST(:b AS uuid),
                    '{"locales": ["en"]}'::jsonb, 'x', 0, now())
            """)
        .param("id", recaption)
        .param("t", tenantA)
        .param("b", batch)
        .update();
    aIds.put("recaptionId", recaption);
    aIds.put("tenantId", tenantA);
    aIds.put("keyId", keyId);
    aIds.put("eventId", event);
    // a schedule of A's and a run of it (its feed is missing: the run stays open, which is enough)
    String schedule =
        call(
                keyA,
                "POST",
                "/v1/schedules",
                "{\"name\": \""
                    + A_SCHEDULE
                    + "\", \"dailyAt\": \"02:00\", \"timeZone\": \"Europe/Berlin\","
                    + " \"source\": {\"objectKey\": \"feeds/a.csv\"},"
                    + " \"batch\": {\"variants\": [{\"name\": \"main\"}]}}")
            .body()
            .path("id")
            .asString();
    aIds.put("scheduleId", schedule);
    aIds.put(
        "runId",
        call(keyA, "POST", "/v1/schedules/" + schedule + "/run", null)
            .body()
            .path("id")
            .asString());
    keysBefore = count("api_keys");
    tenantsBefore = count("tenants");
  }

  @Test
  void no_spelling_of_any_operation_gets_past_authentication_or_into_another_tenant()
      throws Exception {
    List<Operation> operations = operations();
    assertThat(operations).as("operations in /v3/api-docs").hasSizeGreaterThan(20);
    List<String> wrong = new ArrayList<>();
    int sent = 0;
    for (Operation op : operations) {
      String path = concrete(op);
      assertOwnerReachesIt(op, path, wrong);
      for (String spelling : spellings(path)) {
        sent++;
        check(op, spelling, null, wrong, "no credentials");
        if (op.admin()) {
          sent++;
          check(op, spelling, "Bearer " + keyA, wrong, "a tenant's key on the admin api");
        } else {
          sent++;
          check(op, spelling, "Bearer " + keyB, wrong, "tenant B's key on A's data");
        }
      }
    }
    assertThat(wrong).as("of " + sent + " requests").isEmpty();
    assertTenantAUntouched();
  }

  /**
   * The attack means something only if the owner gets through the plain path: a 200, or a 409 that
   * says the resource is there but not in the state the call needs (an open run's manifest).
   */
  private void assertOwnerReachesIt(Operation op, String path, List<String> wrong) {
    if (!op.method().equals("GET")) {
      return;
    }
    RawHttp.Response r =
        raw.send("GET", path, List.<String[]>of(new String[] {"Authorization", ownerOf(op)}), null);
    if (r.status() != 200 && r.status() != 409) {
      wrong.add("GET " + path + " as its owner: " + r.status() + " " + r.text());
    }
  }

  private String ownerOf(Operation op) {
    return op.admin() ? ADMIN : "Bearer " + keyA;
  }

  private void check(
      Operation op, String target, String authorization, List<String> wrong, String mode) {
    List<String[]> headers = new ArrayList<>();
    if (authorization != null) {
      headers.add(new String[] {"Authorization", authorization});
    }
    byte[] body = null;
    if (op.method().equals("POST") || op.method().equals("PUT")) {
      String type =
          op.template().startsWith("/v1/reference-images") ? "image/png" : "application/json";
      headers.add(new String[] {"Content-Type", type});
      body = type.equals("image/png") ? PNG : bodyFor(op).getBytes(StandardCharsets.UTF_8);
    }
    RawHttp.Response r = raw.send(op.method(), target, headers, body);
    String what = op.method() + " " + target + " (" + mode + ") -> " + r.status();
    int status = r.status();
    if (status >= 500) {
      wrong.add(what + ": a server error " + r.text());
      return;
    }
    if (!r.isProblem() && status >= 400) {
      wrong.add(what + ": not a problem: " + r.header("content-type"));
    }
    if (!"nosniff".equals(r.header("x-content-type-options"))) {
      wrong.add(what + ": without the security headers");
    }
    String text = r.text();
    for (String secret :
        List.of(A_SKU, A_TITLE, A_VARIANT, A_EVENT_BODY, A_SCHEDULE, webhookSecretA)) {
      if (authorization == null || !authorization.contains(keyA)) {
        if (text.contains(secret)) {
          wrong.add(what + ": shows tenant A's " + secret);
        }
      }
    }
    if (authorization == null && status != 400 && status != 401) {
      wrong.add(what + ": without credentials anything but 400 or 401 says too much");
    } else if (authorization != null && authorization.contains(keyA) && status < 400) {
      wrong.add(what + ": a tenant reached the admin api");
    } else if (authorization != null && authorization.contains(keyB) && status < 400) {
      boolean onAsIds = aIds.keySet().stream().anyMatch(k -> op.template().contains("{" + k + "}"));
      if (onAsIds) {
        wrong.add(what + ": tenant B acted on tenant A's ids");
      }
    }
  }

  /** Every way of bending one path that the review tried, and the classic others. */
  static List<String> spellings(String path) {
    String[] segments = path.substring(1).split("/");
    List<String> out = new ArrayList<>();
    out.add(path);
    for (int i = 0; i < segments.length; i++) {
      out.add(withSegment(segments, i, segments[i] + ";x=1"));
      out.add(withSegment(segments, i, segments[i] + ";"));
      out.add(withSegment(segments, i, encodeFirstLetter(segments[i])));
    }
    for (int i = 1; i < segments.length; i++) {
      String before = "/" + String.join("/", java.util.Arrays.copyOfRange(segments, 0, i));
      String after = String.join("/", java.util.Arrays.copyOfRange(segments, i, segments.length));
      out.add(before + "%2f" + after);
      out.add(before + "//" + after);
      out.add(before + "/./" + after);
      out.add(before + "/x/../" + after);
      out.add(before + "/x/..;/" + after);
      out.add(before + "/%2e/" + after);
      out.add(before + "%5c" + after);
    }
    out.add("/%2f" + path.substring(1));
    out.add("//" + path.substring(1));
    out.add(path + "/");
    out.add(path + ";");
    out.add(path + "%00");
    out.add(path.toUpperCase(Locale.ROOT));
    return out;
  }

  private static String withSegment(String[] segments, int i, String replacement) {
    String[] copy = segments.clone();
    copy[i] = replacement;
    return "/" + String.join("/", copy);
  }

  private static String encodeFirstLetter(String segment) {
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (Character.isLetter(c) && c < 0x80) {
        return segment.substring(0, i)
            + String.format("%%%02X", (int) c)
            + segment.substring(i + 1);
      }
    }
    return segment;
  }

  /** The operation's path with tenant A's ids (a random one where A has none of the kind). */
  private String concrete(Operation op) {
    Matcher m = Pattern.compile("\\{(\\w+)}").matcher(op.template());
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String value =
          name.equals("name")
              ? (op.template().startsWith("/v1/reference-images") ? A_REFERENCE : A_PRESET)
              : aIds.getOrDefault(name, UUID.randomUUID().toString());
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** A body that would do something: a valid one where the operation's schema says what. */
  private static String bodyFor(Operation op) {
    String t = op.template();
    if (t.endsWith("/cost-cap")) {
      return t.contains("batches") ? "{\"costCapUsd\": 1}" : "{\"monthlyCapUsd\": 1}";
    }
    if (t.startsWith("/v1/variant-presets")) {
      return "{\"variants\": [{\"name\": \"x\"}]}";
    }
    if (t.equals("/v1/batches")) {
      return "{\"variants\": [{\"name\": \"x\"}], \"items\": [{\"sku\": \"x\", \"title\": \"x\"}]}";
    }
    return "{\"name\": \"attack\"}";
  }

  private List<Operation> operations() throws Exception {
    RawHttp.Response docs = raw.send("GET", "/v3/api-docs", List.of(), null);
    assertThat(docs.status()).isEqualTo(200);
    JsonNode paths = Json.mapper().readTree(docs.text()).path("paths");
    List<Operation> out = new ArrayList<>();
    for (var path : paths.properties()) {
      for (var method : path.getValue().properties()) {
        out.add(
            new Operation(
                method.getKey().toUpperCase(Locale.ROOT), path.getKey(), method.getValue()));
      }
    }
    return out;
  }

  private void assertTenantAUntouched() throws Exception {
    assertThat(count("api_keys")).as("keys minted").isEqualTo(keysBefore);
    assertThat(count("tenants")).as("tenants made").isEqualTo(tenantsBefore);
    JsonNode batch = call(keyA, "GET", "/v1/batches/" + aIds.get("batchId"), null).body();
    assertThat(batch.path("counts").path("CANCELLED").asInt()).isZero();
    assertThat(batch.path("plan").has("costCapUsd")).isFalse();
    assertThat(call(keyA, "GET", "/v1/variant-presets/" + A_PRESET, null).status()).isEqualTo(200);
    RawHttp.Response photo =
        raw.send(
            "GET",
            "/v1/reference-images/" + A_REFERENCE,
            List.<String[]>of(new String[] {"Authorization", "Bearer " + keyA}),
            null);
    assertThat(photo.body()).isEqualTo(PNG);
    assertThat(call(keyA, "GET", "/v1/tenant/cost-cap", null).body().path("monthlyCapUsd").isNull())
        .isTrue();
    assertThat(call(keyA, "GET", "/v1/tenant/webhook", null).body().path("secret").asString())
        .isEqualTo(webhookSecretA);
    assertThat(
            jdbc.sql("SELECT state FROM webhook_events WHERE event_id = :id")
                .param("id", aIds.get("eventId"))
                .query(String.class)
                .single())
        .isEqualTo("FAILED");
  }

  private long count(String table) {
    return jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single();
  }

  private String newTenant(String name) throws Exception {
    ApiTestClient.Answer a =
        api.call(
            "POST", "/v1/admin/tenants", ADMIN, "application/json", "{\"name\": \"" + name + "\"}");
    assertThat(a.status()).isEqualTo(201);
    return a.body().path("id").asString();
  }

  private String newKey(String tenant) throws Exception {
    ApiTestClient.Answer a =
        api.call("POST", "/v1/admin/tenants/" + tenant + "/keys", ADMIN, "application/json", "{}");
    assertThat(a.status()).isEqualTo(201);
    return a.body().path("key").asString();
  }

  private ApiTestClient.Answer call(String key, String method, String path, String body)
      throws Exception {
    return api.call(method, path, "Bearer " + key, "application/json", body);
  }
}
