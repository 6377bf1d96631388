package io.catalogimage.api.input;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import io.catalogimage.infra.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Every operation of the api's own OpenAPI document (read at test time: an endpoint added later is
 * covered without touching this test) refuses a query parameter it does not take, and each
 * parameter it takes once when given twice, with a 400 that names it. Before, Spring ignored the
 * first and bound one of the two: {@code ?State=FAILED} listed every item.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EveryQueryParameterTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;

  record Operation(String method, String path, JsonNode spec) {
    String target() {
      return path.replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
    }

    /** The body's types: one operation may take several (JSON, NDJSON and CSV submissions). */
    List<String> contentTypes() {
      List<String> out = new ArrayList<>();
      spec.path("requestBody").path("content").propertyNames().forEach(out::add);
      return out.isEmpty() ? java.util.Collections.singletonList(null) : out;
    }

    /**
     * The type to send a query's options with: the JSON submission takes none at all (every one is
     * refused as such), the uploads take them.
     */
    String optionsContentType() {
      List<String> types = contentTypes();
      for (String t : types) {
        if (t != null && !t.equals("application/json")) {
          return t;
        }
      }
      return types.get(0);
    }

    List<String[]> headers(String contentType) {
      List<String[]> out = new ArrayList<>();
      out.add(
          new String[] {
            "Authorization",
            path.startsWith("/v1/admin")
                ? "Bearer " + ApiTestInfrastructure.ADMIN_TOKEN
                : ApiTestInfrastructure.AUTHORIZATION
          });
      if (contentType != null) {
        out.add(new String[] {"Content-Type", contentType});
      }
      return out;
    }

    List<JsonNode> queryParameters() {
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode p : spec.path("parameters")) {
        if (p.path("in").asString().equals("query")) {
          out.add(p);
        }
      }
      return out;
    }
  }

  @Test
  void an_unknown_or_repeated_query_parameter_is_a_400_naming_it_on_every_operation()
      throws Exception {
    List<Operation> operations = operations();
    assertThat(operations).as("operations in /v3/api-docs").hasSizeGreaterThan(20);
    int repeated = 0;
    for (Operation op : operations) {
      for (String type : op.contentTypes()) {
        RawHttp.Response unknown = send(op, type, "?zzNotAParameter=1");
        assertThat(unknown.status()).as(op + " " + type + " " + unknown.text()).isEqualTo(400);
        assertThat(unknown.isProblem()).isTrue();
        assertThat(unknown.text()).as(op.toString()).contains("zzNotAParameter");
      }

      for (JsonNode p : op.queryParameters()) {
        if (p.path("schema").path("type").asString().equals("array")) {
          continue;
        }
        String name = p.path("name").asString();
        RawHttp.Response twice =
            send(op, op.optionsContentType(), "?" + name + "=1&" + name + "=1");
        assertThat(twice.status()).as(op + " ?" + name + " twice: " + twice.text()).isEqualTo(400);
        assertThat(twice.text()).as(op + " ?" + name).contains(name).contains("once");
        repeated++;
      }
    }
    assertThat(repeated).as("query parameters tried twice").isGreaterThan(20);
  }

  /** Spring's own converter read 0x10 and #10 as 16, +5 and " 5" as 5: not decimal, refused. */
  @Test
  void a_parameter_of_the_wrong_type_is_a_400_in_the_apis_words() {
    List<String[]> headers =
        List.<String[]>of(new String[] {"Authorization", ApiTestInfrastructure.AUTHORIZATION});
    for (String value :
        List.of("10.0", "1e2", "ten", "99999999999", "0x10", "%2310", "%2B5", "%205", "1%20")) {
      RawHttp.Response r =
          new RawHttp(port).send("GET", "/v1/batches?limit=" + value, headers, null);
      assertThat(r.status()).as(value).isEqualTo(400);
      assertThat(r.text())
          .contains("invalid-parameter")
          .contains("parameter 'limit' must be a whole number")
          .contains(
              "not '"
                  + java.net.URLDecoder.decode(value, java.nio.charset.StandardCharsets.UTF_8)
                  + "'");
    }
  }

  private RawHttp.Response send(Operation op, String contentType, String query) {
    byte[] body = op.spec().has("requestBody") ? "{}".getBytes(StandardCharsets.UTF_8) : null;
    return new RawHttp(port).send(op.method(), op.target() + query, op.headers(contentType), body);
  }

  private List<Operation> operations() throws Exception {
    RawHttp.Response docs = new RawHttp(port).send("GET", "/v3/api-docs", List.of(), null);
    assertThat(docs.status()).isEqualTo(200);
    List<Operation> out = new ArrayList<>();
    for (var path : Json.mapper().readTree(docs.text()).path("paths").properties()) {
      for (var method : path.getValue().properties()) {
        out.add(
            new Operation(
                method.getKey().toUpperCase(Locale.ROOT), path.getKey(), method.getValue()));
      }
    }
    return out;
  }
}
