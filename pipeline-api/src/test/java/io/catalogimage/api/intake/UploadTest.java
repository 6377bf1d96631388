package io.catalogimage.api.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import java.net.URI;
import java.net.URLEncoder;
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

/** NDJSON and CSV uploads: streamed, checked row by row, with line numbers; all or nothing. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class UploadTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> upload(String contentType, String name, byte[] body)
      throws Exception {
    String query =
        "?name="
            + URLEncoder.encode(name, StandardCharsets.UTF_8)
            + "&tier=fast&variant=listing:1:1:1K&variant=banner:4:1:2K&altTextLocales=en,de"
            + "&promptTemplate="
            + URLEncoder.encode(
                "Photo of {{title}} in {{attributes.color}}", StandardCharsets.UTF_8);
    return send(contentType, query, null, body);
  }

  /** POST /v1/batches with this query string, optionally with an Idempotency-Key. */
  private HttpResponse<String> send(String contentType, String query, String key, byte[] body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/batches" + query))
            .header("Authorization", ApiTestInfrastructure.AUTHORIZATION)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (key != null) {
      request.header("Idempotency-Key", key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private long batchesNamed(String name) {
    return jdbc.sql("SELECT count(*) FROM batches WHERE name = :n")
        .param("n", name)
        .query(Long.class)
        .single();
  }

  private String data(String batch, String sku, String field) {
    return jdbc.sql(
            "SELECT data ->> :f FROM products WHERE batch_id = CAST(:b AS uuid) AND sku = :s")
        .param("f", field)
        .param("b", batch)
        .param("s", sku)
        .query((rs, i) -> rs.getString(1))
        .list()
        .get(0);
  }

  @Test
  void anNdjsonUploadIsStoredWithTheQueryOptions() throws Exception {
    String name = "nd-" + UUID.randomUUID();
    HttpResponse<String> r =
        upload(
            "application/x-ndjson",
            name,
            utf8(
                """
                {"sku": "N-1", "title": "Mug", "attributes": {"color": "red"}}

                {"sku": "N-2", "title": "Lamp", "attributes": {"color": "blue"}, "referenceImage": {"url": "https://cdn.example.com/n2.jpg"}}
                """));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    JsonNode body = Json.mapper().readTree(r.body());
    assertThat(body.path("productCount").asInt()).isEqualTo(2);
    assertThat(body.path("itemCount").asInt()).isEqualTo(4);
    String batch = body.path("id").asString();
    assertThat(data(batch, "N-2", "prompt")).isEqualTo("Photo of Lamp in blue");
    long items =
        jdbc.sql("SELECT count(*) FROM items WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batch)
            .query(Long.class)
            .single();
    assertThat(items).isEqualTo(4);
    // made by the database: UUIDv7-shaped ids, one per product and variant, in order
    java.util.List<String> rows =
        jdbc.sql(
                "SELECT CAST(item_id AS text) || ' ' || item_no || ' ' || sku || ' ' || variant"
                    + " FROM items WHERE batch_id = CAST(:b AS uuid) ORDER BY item_no")
            .param("b", batch)
            .query(String.class)
            .list();
    assertThat(rows).allSatisfy(row -> assertThat(row.charAt(14)).isEqualTo('7'));
    assertThat(rows.stream().map(row -> row.substring(37)).toList())
        .containsExactly("0 N-1 listing", "1 N-1 banner", "2 N-2 listing", "3 N-2 banner");
  }

  @Test
  void anUploadWithAnIdempotencyKeyIsStoredOnce() throws Exception {
    String name = "nd-idem-" + UUID.randomUUID();
    String key = UUID.randomUUID().toString();
    byte[] body =
        utf8("{\"sku\": \"K-1\", \"title\": \"Mug\", \"attributes\": {\"color\": \"red\"}}\n");
    byte[] other =
        utf8("{\"sku\": \"K-2\", \"title\": \"Cup\", \"attributes\": {\"color\": \"red\"}}\n");

    HttpResponse<String> first = uploadWithKey(name, key, body);
    HttpResponse<String> again = uploadWithKey(name, key, body);
    HttpResponse<String> changed = uploadWithKey(name, key, other);

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(Json.mapper().readTree(again.body()).path("id").asString())
        .isEqualTo(Json.mapper().readTree(first.body()).path("id").asString());
    assertThat(changed.statusCode()).isEqualTo(422);
    assertThat(batchesNamed(name)).isEqualTo(1);
  }

  private HttpResponse<String> uploadWithKey(String name, String key, byte[] body)
      throws Exception {
    String query =
        "?variant=listing:1:1:1K&name="
            + URLEncoder.encode(name, StandardCharsets.UTF_8)
            + "&promptTemplate="
            + URLEncoder.encode("{{title}} in {{attributes.color}}", StandardCharsets.UTF_8);
    return send("application/x-ndjson", query, key, body);
  }

  @Test
  void badNdjsonLinesAreReportedByLineAndNothingIsStored() throws Exception {
    String name = "nd-bad-" + UUID.randomUUID();
    HttpResponse<String> r =
        upload(
            "application/x-ndjson",
            name,
            utf8(
                """
                {"sku": "B-1", "title": "Mug", "attributes": {"color": "red"}}
                {"title": "No sku", "attributes": {"color": "red"}}
                {"sku": "B-3", "title": "Vase", "attributes": {"color": "red"}}
                {"sku": "B-4", "title": broken
                {"sku": "B-5", "title": "Cup", "colour": "red"}
                {"sku": "B-1", "title": "Again", "attributes": {"color": "red"}}
                """));

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode problem = Json.mapper().readTree(r.body());
    JsonNode errors = problem.path("errors");
    assertThat(errors.path(0).path("line").isNumber()).isTrue();
    assertThat(errors.path(0).path("line").asLong()).isEqualTo(2);
    assertThat(errors.path(0).path("field").asString()).isEqualTo("sku");
    assertThat(errors.path(1).path("line").asLong()).isEqualTo(4);
    assertThat(errors.path(1).path("message").asString()).contains("malformed JSON");
    assertThat(errors.path(2).path("line").asLong()).isEqualTo(5);
    assertThat(errors.path(2).path("message").asString()).contains("unknown field 'colour'");
    assertThat(errors.path(3).path("line").asLong()).isEqualTo(6);
    assertThat(errors.path(3).path("message").asString()).contains("first at line 1");
    assertThat(problem.path("errorCount").asInt()).isEqualTo(4);
    assertThat(batchesNamed(name)).isZero();
  }

  @Test
  void aCsvWithBomCrlfAndQuotedFieldsIsStoredFaithfully() throws Exception {
    String name = "csv-" + UUID.randomUUID();
    String csv =
        "\uFEFFsku,title,description,color\r\n"
            + "C-1,\"Mug, large\",\"He said \"\"wow\"\"\",red\r\n"
            + "C-2,Lamp,\"two\r\nlines\",blue\r\n"
            + "C-3,Vase,,green\r\n";
    HttpResponse<String> r = upload("text/csv; charset=utf-8", name, utf8(csv));

    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String batch = Json.mapper().readTree(r.body()).path("id").asString();
    assertThat(data(batch, "C-1", "title")).isEqualTo("Mug, large");
    assertThat(data(batch, "C-1", "description")).isEqualTo("He said \"wow\"");
    assertThat(data(batch, "C-2", "description")).isEqualTo("two\r\nlines");
    assertThat(data(batch, "C-3", "prompt")).isEqualTo("Photo of Vase in green");
    assertThat(data(batch, "C-3", "description")).isNull();
  }

  @Test
  void csvProblemsNameThePhysicalLineEvenAfterAMultiLineField() throws Exception {
    String name = "csv-bad-" + UUID.randomUUID();
    String csv =
        "sku,title,description,color\n"
            + "D-1,Mug,\"first\nsecond\nthird\",red\n" // lines 2-4
            + "D-2,,,blue\n" // line 5: no title
            + "D-3,Lamp,,\n"; // line 6: the template needs a color
    HttpResponse<String> r = upload("text/csv", name, utf8(csv));

    assertThat(r.statusCode()).isEqualTo(400);
    java.util.List<String> where = new java.util.ArrayList<>();
    for (JsonNode e : Json.mapper().readTree(r.body()).path("errors")) {
      where.add(e.path("line").asLong() + ":" + e.path("field").asString());
    }
    // line 5 lacks the title (the template uses it too), line 6 the color the template needs
    assertThat(where).containsExactly("5:title", "5:title", "6:attributes.color");
    assertThat(batchesNamed(name)).isZero();
  }

  @Test
  void aCsvWithoutTheRequiredColumnsIsRefusedAtLineOne() throws Exception {
    HttpResponse<String> r = upload("text/csv", "csv-header", utf8("code,name\nX,Y\n"));

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = Json.mapper().readTree(r.body()).path("errors").path(0);
    assertThat(error.path("line").asLong()).isEqualTo(1);
    assertThat(error.path("message").asString()).contains("sku and title");
  }

  @Test
  void manyBadRowsAreListedUpToTheCapWithTheTotal() throws Exception {
    StringBuilder csv = new StringBuilder("sku,title,color\n");
    for (int i = 0; i < 150; i++) {
      csv.append("S-").append(i).append(",Title,\n"); // no color for the template
    }
    HttpResponse<String> r = upload("text/csv", "csv-many", utf8(csv.toString()));

    JsonNode problem = Json.mapper().readTree(r.body());
    assertThat(problem.path("errors").size()).isEqualTo(100);
    assertThat(problem.path("errorCount").asInt()).isEqualTo(150);
  }

  @Test
  void bytesThatAreNotUtf8AreA400NotA500() throws Exception {
    byte[] body = {'s', 'k', 'u', ',', 't', 'i', 't', 'l', 'e', '\n', 'A', ',', (byte) 0xC3, '\n'};

    HttpResponse<String> r = upload("text/csv", "csv-latin1", body);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("invalid UTF-8").contains("\"line\":2");
  }

  @Test
  void aBadVariantParameterIsNamed() throws Exception {
    HttpResponse<String> r = send("text/csv", "?variant=listing", null, utf8("sku,title\nA,B\n"));

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("name:aspectRatio:size");
  }
}
