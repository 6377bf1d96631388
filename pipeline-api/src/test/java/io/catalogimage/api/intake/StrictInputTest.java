package io.catalogimage.api.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import io.catalogimage.infra.RawHttp;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Every input surface refuses what it cannot store exactly, with a 400 that says where: the 56
 * submissions of the review that answered 500 and the 32 that were stored altered, by class.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StrictInputTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  private static final String UPLOAD = "?variant=listing:1:1:1K&name=strict";
  private static final byte[] OVERLONG_SLASH = {(byte) 0xC0, (byte) 0xAF};
  private static final byte[] SURROGATE = {(byte) 0xED, (byte) 0xA0, (byte) 0x80};
  private static final byte[] ABOVE_MAX = {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80};

  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) {
      out.writeBytes(p instanceof byte[] b ? b : p.toString().getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static String json(String itemFields) {
    return "{\"variants\": [{\"name\": \"listing\"}], \"items\": [{\"sku\": \"S-1\", \"title\": \"T\""
        + itemFields
        + "}]}";
  }

  private static String options(String fields) {
    return "{\"variants\": [{\"name\": \"listing\"}]"
        + fields
        + ", \"items\": [{\"sku\": \"S-1\", \"title\": \"T\"}]}";
  }

  /** type, query, body, texts the problem must contain (what and where). */
  static Stream<Arguments> refused() {
    String j = "application/json";
    String nd = "application/x-ndjson";
    String csv = "text/csv";
    return Stream.of(
        // JSON: bytes that are not UTF-8, by field
        Arguments.of(
            j,
            "",
            bytes(
                "{\"variants\": [{\"name\": \"listing\"}], \"items\": [{\"sku\": \"S-1\", \"title\": \"a",
                OVERLONG_SLASH,
                "b\"}]}"),
            List.of("overlong", "items[0].title")),
        Arguments.of(
            j,
            "",
            bytes(
                "{\"variants\": [{\"name\": \"listing\"}], \"items\": [{\"sku\": \"S",
                SURROGATE,
                "\", \"title\": \"T\"}]}"),
            List.of("surrogate", "items[0].sku")),
        Arguments.of(
            j,
            "",
            bytes(
                "{\"name\": \"x",
                ABOVE_MAX,
                "\", \"variants\": [{\"name\": \"listing\"}], \"items\": [{\"sku\": \"S\", \"title\": \"T\"}]}"),
            List.of("above U+10FFFF", "name")),
        Arguments.of(
            j,
            "",
            bytes(
                "{\"variants\": [{\"name\": \"listing\"}],\n \"items\": [{\"sku\": \"S\",\n \"title\": \"T\u0000\"}]}"
                    .replace("\u0000", "\u0000")),
            List.of("NUL", "line 3")),
        // JSON escapes that decode to what cannot be stored
        Arguments.of(
            j,
            "",
            bytes(json(", \"description\": \"a\\u0000b\"")),
            List.of("NUL", "items[0].description")),
        Arguments.of(
            j,
            "",
            bytes(json(", \"description\": \"a\\ud800b\"")),
            List.of("unpaired surrogate", "items[0].description")),
        Arguments.of(
            j,
            "",
            bytes(json(", \"attributes\": {\"co\\u0000lor\": \"red\"}")),
            List.of("NUL", "items[0].attributes")),
        Arguments.of(
            j,
            "",
            bytes(json(", \"attributes\": {\"color\": \"\\udc00\"}")),
            List.of("unpaired surrogate", "attributes")),
        Arguments.of(
            j,
            "",
            bytes(
                "{\"variants\": [{\"name\": \"listing\"}], \"items\": [{\"sku\": \"S\\ud800\", \"title\": \"T\"}, {\"sku\": \"S\\udc00\", \"title\": \"T\"}]}"),
            List.of("unpaired surrogate", "items[0].sku")),
        // numbers and times out of their columns' range
        Arguments.of(
            j, "", bytes(options(", \"costCapUsd\": 1e9")), List.of("costCapUsd", "at most")),
        Arguments.of(
            j, "", bytes(options(", \"costCapUsd\": 1e309")), List.of("costCapUsd", "at most")),
        Arguments.of(
            j,
            "",
            bytes(options(", \"costCapUsd\": 0.0000001")),
            List.of("costCapUsd", "decimal places")),
        Arguments.of(
            j,
            "",
            bytes(options(", \"deadline\": \"+999999999-01-01T00:00:00Z\"")),
            List.of("deadline", "between")),
        Arguments.of(
            j,
            "",
            bytes(options(", \"startAfter\": \"+10000-01-01T00:00:00Z\"")),
            List.of("startAfter", "between")),
        Arguments.of(
            j,
            "",
            bytes(json(", \"attributes\": {\"size\": 1e309}")),
            List.of("attributes.size", "out of range")),
        // limits
        Arguments.of(
            j,
            "",
            bytes(json(", \"attributes\": {\"color\": \"" + "x".repeat(1001) + "\"}")),
            List.of("attributes.color", "1000")),
        Arguments.of(
            j,
            "",
            bytes(options(", \"promptTemplate\": \"{{title}}" + "x".repeat(5000) + "\"")),
            List.of("promptTemplate", "5000")),
        Arguments.of(
            j,
            "",
            bytes(json(", \"description\": \"" + "x".repeat(5001) + "\"")),
            List.of("description", "5000")),
        Arguments.of(j, "?tier=quality", bytes(json("")), List.of("tier", "query parameter")),
        // NDJSON: by line
        Arguments.of(
            nd,
            UPLOAD,
            bytes(
                "{\"sku\": \"A\", \"title\": \"T\"}\n{\"sku\": \"B\", \"title\": \"T\"}\n{\"sku\": \"C\", \"title\": \"",
                OVERLONG_SLASH,
                "\"}\n"),
            List.of("overlong", "\"line\":3")),
        Arguments.of(
            nd,
            UPLOAD,
            bytes(
                "{\"sku\": \"A\", \"title\": \"T\"}\n{\"sku\": \"B\", \"title\": \"T\\u0000\"}\n"),
            List.of("NUL", "\"line\":2")),
        Arguments.of(
            nd,
            UPLOAD,
            bytes("{\"sku\": \"A\", \"title\": \"T\"}\n{\"sku\": \"B\",\u0000 \"title\": \"T\"}\n"),
            List.of("NUL", "\"line\":2")),
        Arguments.of(
            nd,
            UPLOAD,
            bytes(
                "{\"sku\": \"A\\ud800\", \"title\": \"T\"}\n{\"sku\": \"A\\udbff\", \"title\": \"T\"}\n"),
            List.of("unpaired surrogate", "\"line\":1")),
        // CSV: by line
        Arguments.of(
            csv,
            UPLOAD,
            bytes("sku,,title\r\nA,x,T\r\n"),
            List.of("header", "name is missing", "\"line\":1")),
        Arguments.of(
            csv,
            UPLOAD,
            bytes("sku,title,sku\r\nA,T,B\r\n"),
            List.of("header", "repeats", "\"line\":1")),
        Arguments.of(
            csv,
            UPLOAD,
            bytes("sku,title\r\nA,T\r\nB,\"never closed\r\nC,T\r\n"),
            List.of("malformed CSV", "\"line\":3")),
        Arguments.of(csv, UPLOAD, bytes(" "), List.of("header")),
        Arguments.of(csv, UPLOAD, bytes("sku,title\nA,T\u0000x\n"), List.of("NUL", "\"line\":2")),
        Arguments.of(
            csv,
            UPLOAD,
            bytes("sku,title\nA,T\nB,", SURROGATE, "\n"),
            List.of("surrogate", "\"line\":3")),
        // query parameters of uploads
        Arguments.of(
            nd,
            "?variant=listing:1:1:1K&name=%C0%AF",
            bytes("{\"sku\": \"A\", \"title\": \"T\"}\n"),
            List.of("parameter", "name", "overlong")),
        Arguments.of(
            nd,
            "?variant=listing:1:1:1K&name=a%00b",
            bytes("{\"sku\": \"A\", \"title\": \"T\"}\n"),
            List.of("NUL")),
        Arguments.of(
            nd,
            "?variant=listing:1:1:1K&name=%zz",
            bytes("{\"sku\": \"A\", \"title\": \"T\"}\n"),
            List.of("percent-encoding")),
        Arguments.of(
            nd,
            UPLOAD + "&costCapUsd=1e309",
            bytes("{\"sku\": \"A\", \"title\": \"T\"}\n"),
            List.of("costCapUsd", "at most")),
        Arguments.of(
            nd,
            UPLOAD + "&deadline=%2B999999999-01-01T00:00:00Z",
            bytes("{\"sku\": \"A\", \"title\": \"T\"}\n"),
            List.of("deadline")),
        Arguments.of(
            nd,
            UPLOAD + "&tier=fast&tier=quality",
            bytes("{\"sku\": \"A\", \"title\": \"T\"}\n"),
            List.of("tier", "once")),
        Arguments.of(
            nd,
            UPLOAD + "&allowSafetyReroute=yes",
            bytes("{\"sku\": \"A\", \"title\": \"T\"}\n"),
            List.of("allowSafetyReroute", "not true or false")),
        Arguments.of(
            nd,
            UPLOAD + "&costcapUsd=5",
            bytes("{\"sku\": \"A\", \"title\": \"T\"}\n"),
            List.of("costcapUsd", "not an option")));
  }

  /** The tenant's key and a JSON body. */
  private static final List<String[]> JSON_HEADERS =
      List.of(
          new String[] {"Authorization", ApiTestInfrastructure.AUTHORIZATION},
          new String[] {"Content-Type", "application/json"});

  private RawHttp.Response post(String type, String query, byte[] body, String key) {
    List<String[]> headers = new ArrayList<>();
    headers.add(new String[] {"Authorization", ApiTestInfrastructure.AUTHORIZATION});
    headers.add(new String[] {"Content-Type", type});
    if (key != null) {
      headers.add(new String[] {"Idempotency-Key", key});
    }
    return new RawHttp(port).send("POST", "/v1/batches" + query, headers, body);
  }

  private long batches() {
    return jdbc.sql("SELECT count(*) FROM batches").query(Long.class).single();
  }

  @ParameterizedTest
  @MethodSource("refused")
  void is_a_400_that_says_what_and_where_and_stores_nothing(
      String type, String query, byte[] body, List<String> says) {
    long before = batches();

    RawHttp.Response r = post(type, query, body, null);

    assertThat(r.status()).as(r.text()).isEqualTo(400);
    assertThat(r.isProblem()).isTrue();
    assertThat(r.text()).contains(says);
    assertThat(batches()).isEqualTo(before);
  }

  @Test
  void text_beyond_the_basic_plane_is_stored_exactly() throws Exception {
    String title = "Sneaker \uD83D\uDC5F Gr\u00f6\u00dfe 42 \u65e5\u672c \uD834\uDD1E";
    RawHttp.Response r =
        post("application/json", "", bytes(json("").replace("\"T\"", "\"" + title + "\"")), null);

    assertThat(r.status()).as(r.text()).isEqualTo(202);
    String batch = Json.mapper().readTree(r.text()).path("id").asString();
    String stored =
        jdbc.sql("SELECT data::text FROM products WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batch)
            .query(String.class)
            .single();
    assertThat(Json.mapper().readTree(stored).path("title").asString()).isEqualTo(title);
  }

  @Test
  void a_number_where_text_is_expected_is_stored_as_it_was_written() throws Exception {
    RawHttp.Response r =
        post(
            "application/json",
            "",
            bytes(
                "{\"variants\": [{\"name\": \"listing\"}],"
                    + " \"items\": [{\"sku\": 12345, \"title\": 1.50}]}"),
            null);

    assertThat(r.status()).as(r.text()).isEqualTo(202);
    String batch = Json.mapper().readTree(r.text()).path("id").asString();
    var stored =
        jdbc.sql("SELECT sku, data::text FROM products WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batch)
            .query()
            .singleRow();
    assertThat(stored.get("sku")).isEqualTo("12345");
    assertThat(Json.mapper().readTree((String) stored.get("data")).path("title").asString())
        .isEqualTo("1.50");
  }

  @Test
  void a_header_read_as_one_value_given_twice_is_refused_and_stores_nothing() {
    byte[] body = bytes(json(""));
    for (String[] twice :
        List.of(
            new String[] {"Idempotency-Key", "k1", "Idempotency-Key", "k2"},
            new String[] {"Content-Type", "application/json", "Content-Type", "text/csv"})) {
      long before = batches();
      List<String[]> headers = new ArrayList<>();
      headers.add(new String[] {"Authorization", ApiTestInfrastructure.AUTHORIZATION});
      if (!twice[0].equals("Content-Type")) {
        headers.add(new String[] {"Content-Type", "application/json"});
      }
      headers.add(new String[] {twice[0], twice[1]});
      headers.add(new String[] {twice[2], twice[3]});

      RawHttp.Response r = new RawHttp(port).send("POST", "/v1/batches", headers, body);

      assertThat(r.status()).as(r.text()).isEqualTo(400);
      assertThat(r.text()).contains("header '" + twice[0] + "' may be given once");
      assertThat(batches()).isEqualTo(before);
    }
  }

  @Test
  void an_idempotency_key_covers_the_upload_options_too() {
    String key = UUID.randomUUID().toString();
    byte[] rows = bytes("{\"sku\": \"A\", \"title\": \"T\"}\n");
    String options = "?variant=listing:1:1:1K&name=first&tier=fast&costCapUsd=5";

    assertThat(post("application/x-ndjson", options, rows, key).status()).isEqualTo(202);
    // the same options in another order: the same request, replayed
    RawHttp.Response again =
        post(
            "application/x-ndjson",
            "?costCapUsd=5&tier=fast&name=first&variant=listing:1:1:1K",
            rows,
            key);
    assertThat(again.status()).isEqualTo(202);
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    for (String other :
        List.of(
            "?variant=listing:1:1:1K&name=second&tier=fast&costCapUsd=5",
            "?variant=listing:1:1:1K&name=first&tier=quality&costCapUsd=5",
            "?variant=banner:4:1:2K&name=first&tier=fast&costCapUsd=5",
            "?variant=listing:1:1:1K&name=first&tier=fast&costCapUsd=50")) {
      RawHttp.Response r = post("application/x-ndjson", other, rows, key);
      assertThat(r.status()).as(other).isEqualTo(422);
      assertThat(r.text()).contains("idempotency-key-reused");
    }
    // and the same bytes read as another format are another request
    assertThat(post("text/csv", options, bytes("sku,title\nA,T\n"), key).status()).isEqualTo(422);
  }

  @Test
  void request_bodies_of_the_other_endpoints_are_checked_the_same_way() {
    RawHttp raw = new RawHttp(port);
    List<String[]> headers = JSON_HEADERS;
    RawHttp.Response overlong =
        raw.send(
            "PUT",
            "/v1/variant-presets/p1",
            headers,
            bytes("{\"variants\": [{\"name\": \"a", OVERLONG_SLASH, "\"}]}"));
    assertThat(overlong.status()).isEqualTo(400);
    assertThat(overlong.text()).contains("overlong").contains("malformed-body");
    RawHttp.Response nul =
        raw.send(
            "PUT", "/v1/tenant/webhook", headers, bytes("{\"url\": \"https://a\\u0000.example\"}"));
    assertThat(nul.status()).isEqualTo(400);
    assertThat(nul.text()).contains("NUL").contains("url");
    RawHttp.Response cap =
        raw.send("PUT", "/v1/tenant/cost-cap", headers, bytes("{\"monthlyCapUsd\": 1e309}"));
    assertThat(cap.status()).isEqualTo(400);
    assertThat(cap.text()).contains("monthlyCapUsd");
    RawHttp.Response usage = raw.send("GET", "/v1/usage?from=%2B999999999-01-01", headers, null);
    assertThat(usage.status()).isEqualTo(400);
    assertThat(usage.text()).contains("from");
  }

  private static final String SCHEDULE =
      "{\"name\": \"nightly\", \"dailyAt\": \"02:00\", \"timeZone\": \"UTC\","
          + " \"source\": {\"url\": \"https://feeds.example.com/c.csv\"},"
          + " \"batch\": {\"variants\": [{\"name\": \"listing\"}]}";

  /** method, path, body, texts the problem must contain: one case per surface and leniency. */
  static Stream<Arguments> lenient() {
    return Stream.of(
        // a quoted number or boolean is a client's serialisation bug, not the value
        Arguments.of(
            "POST",
            "/v1/batches",
            options(", \"costCapUsd\": \"5\""),
            List.of("costCapUsd", "expected a number, not a string")),
        Arguments.of(
            "POST",
            "/v1/batches",
            options(", \"allowSafetyReroute\": \"false\""),
            List.of("allowSafetyReroute", "expected true or false, not a string")),
        Arguments.of(
            "POST",
            "/v1/batches",
            options(", \"allowSafetyReroute\": 0"),
            List.of("allowSafetyReroute", "expected true or false, not a number")),
        Arguments.of(
            "PUT",
            "/v1/tenant/cost-cap",
            "{\"monthlyCapUsd\": \"50\"}",
            List.of("monthlyCapUsd", "expected a number, not a string")),
        Arguments.of(
            "POST",
            "/v1/schedules",
            SCHEDULE + ", \"paused\": \"false\"}",
            List.of("paused", "expected true or false, not a string")),
        Arguments.of(
            "POST",
            "/v1/schedules",
            SCHEDULE + ", \"holdWhenLost\": \"0.5\"}",
            List.of("holdWhenLost", "expected a number, not a string")),
        Arguments.of(
            "POST",
            "/v1/schedules",
            SCHEDULE.replace("{\"name\": \"listing\"}", "{\"name\": \"listing\", \"x\": 1}") + "}",
            List.of("unknown field 'x'")),
        // what follows the JSON value was dropped
        Arguments.of(
            "PUT",
            "/v1/tenant/cost-cap",
            "{\"monthlyCapUsd\": 50} {\"monthlyCapUsd\": null}",
            List.of("more after the JSON value")),
        // of a field given twice, the last was taken
        Arguments.of(
            "PUT",
            "/v1/tenant/cost-cap",
            "{\"monthlyCapUsd\": 1, \"monthlyCapUsd\": 2}",
            List.of("field 'monthlyCapUsd' is given twice")),
        Arguments.of(
            "POST",
            "/v1/batches",
            json(", \"title\": \"again\""),
            List.of("field 'title' is given twice")),
        Arguments.of(
            "POST", "/v1/schedules", SCHEDULE + "} []", List.of("more after the JSON value")),
        // a NUL escape in a schedule's text
        Arguments.of(
            "POST",
            "/v1/schedules",
            SCHEDULE.replace("nightly", "night\\u0000ly") + "}",
            List.of("name", "NUL")));
  }

  @ParameterizedTest
  @MethodSource("lenient")
  void every_json_body_is_read_as_strictly_as_a_submission(
      String method, String path, String body, List<String> says) {
    List<String[]> headers = JSON_HEADERS;
    long batchesBefore = batches();
    long schedulesBefore = schedules();
    String capBefore = new RawHttp(port).send("GET", "/v1/tenant/cost-cap", headers, null).text();

    RawHttp.Response r = new RawHttp(port).send(method, path, headers, bytes(body));

    assertThat(r.status()).as(r.text()).isEqualTo(400);
    assertThat(r.isProblem()).isTrue();
    assertThat(r.text()).contains(says);
    assertThat(batches()).isEqualTo(batchesBefore);
    assertThat(schedules()).isEqualTo(schedulesBefore);
    assertThat(new RawHttp(port).send("GET", "/v1/tenant/cost-cap", headers, null).text())
        .isEqualTo(capBefore);
  }

  private long schedules() {
    return jdbc.sql("SELECT count(*) FROM schedules").query(Long.class).single();
  }

  @Test
  void a_misspelt_missing_or_quoted_cap_is_refused_and_never_taken_for_a_null_that_removes_it() {
    RawHttp raw = new RawHttp(port);
    List<String[]> headers = JSON_HEADERS;
    assertThat(
            raw.send("PUT", "/v1/tenant/cost-cap", headers, bytes("{\"monthlyCapUsd\": 40}"))
                .status())
        .isEqualTo(200);

    RawHttp.Response misspelt =
        raw.send("PUT", "/v1/tenant/cost-cap", headers, bytes("{\"monthlyCapUSD\": 50}"));
    assertThat(misspelt.status()).isEqualTo(400);
    // Jackson builds a record before it looks at the fields it kept aside: the missing one is said
    assertThat(misspelt.text()).contains("monthlyCapUsd").contains("required field is missing");
    RawHttp.Response extra =
        raw.send(
            "PUT",
            "/v1/tenant/cost-cap",
            headers,
            bytes("{\"monthlyCapUsd\": 50, \"note\": \"x\"}"));
    assertThat(extra.status()).isEqualTo(400);
    assertThat(extra.text()).contains("unknown field 'note'").contains("line 1");
    RawHttp.Response quoted =
        raw.send("PUT", "/v1/tenant/cost-cap", headers, bytes("{\"monthlyCapUsd\": \"50\"}"));
    assertThat(quoted.status()).isEqualTo(400);
    assertThat(quoted.text()).contains("monthlyCapUsd").contains("a number, not a string");
    RawHttp.Response empty = raw.send("PUT", "/v1/tenant/cost-cap", headers, bytes("{}"));
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.text()).contains("monthlyCapUsd").contains("required field is missing");
    // none of them touched the cap
    assertThat(raw.send("GET", "/v1/tenant/cost-cap", headers, null).text())
        .contains("\"monthlyCapUsd\":40");

    RawHttp.Response removed =
        raw.send("PUT", "/v1/tenant/cost-cap", headers, bytes("{\"monthlyCapUsd\": null}"));
    assertThat(removed.status()).isEqualTo(200);
    assertThat(removed.text()).contains("\"monthlyCapUsd\":null");

    RawHttp.Response batchCap =
        raw.send(
            "PUT",
            "/v1/batches/" + UUID.randomUUID() + "/cost-cap",
            headers,
            bytes("{\"costCapUSD\": 50}"));
    assertThat(batchCap.status()).isEqualTo(400);
    assertThat(batchCap.text()).contains("costCapUsd").contains("required field is missing");
  }
}
