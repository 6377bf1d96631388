package io.catalogimage.api.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestClient;
import io.catalogimage.api.ApiTestClient.Answer;
import io.catalogimage.api.ApiTestInfrastructure;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** Named variant sets: built in or the tenant's own, used by JSON and upload submissions. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class VariantPresetTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  private Answer call(String method, String path, String auth, String type, String body)
      throws Exception {
    return new ApiTestClient(port).call(method, path, auth, type, body);
  }

  private Answer call(String method, String path, String body) throws Exception {
    return new ApiTestClient(port).call(method, path, body);
  }

  private List<String> variantsOf(String batch) {
    return jdbc.sql(
            """
            SELECT DISTINCT variant FROM items WHERE batch_id = CAST(:b AS uuid) ORDER BY variant
            """)
        .param("b", batch)
        .query(String.class)
        .list();
  }

  @Test
  void aBuiltInPresetGivesItsVariants() throws Exception {
    Answer a =
        call(
            "POST",
            "/v1/batches",
            """
            {"name": "social", "variantPreset": "social",
             "items": [{"sku": "P-1", "title": "Mug"}, {"sku": "P-2", "title": "Lamp"}]}
            """);

    assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
    assertThat(a.body().path("itemCount").asInt()).isEqualTo(8);
    assertThat(variantsOf(a.body().path("id").asString()))
        .containsExactly("feed", "landscape", "square", "story");
  }

  @Test
  void aTenantsPresetIsSavedListedUsedByAnUploadWithExtraVariantsAndDeleted() throws Exception {
    Answer saved =
        call(
            "PUT",
            "/v1/variant-presets/pdp",
            """
            {"variants": [{"name": "main", "aspectRatio": "1:1", "size": "2K"},
                          {"name": "zoom", "aspectRatio": "1:1", "size": "4K"}]}
            """);
    assertThat(saved.status()).isEqualTo(200);
    assertThat(call("GET", "/v1/variant-presets", null).body().toString())
        .contains("\"name\":\"pdp\",\"source\":\"tenant\"")
        .contains("\"name\":\"marketplace\",\"source\":\"builtin\"");

    Answer upload =
        call(
            "POST",
            "/v1/batches?name=pdp&variantPreset=pdp&variant=wide:16:9:1K",
            ApiTestInfrastructure.AUTHORIZATION,
            "text/csv",
            "sku,title\nQ-1,Mug\nQ-2,Lamp\n");
    assertThat(upload.status()).as(String.valueOf(upload.body())).isEqualTo(202);
    assertThat(upload.body().path("itemCount").asInt()).isEqualTo(6);
    assertThat(variantsOf(upload.body().path("id").asString()))
        .containsExactly("main", "wide", "zoom");

    assertThat(call("DELETE", "/v1/variant-presets/pdp", null).status()).isEqualTo(204);
    assertThat(call("GET", "/v1/variant-presets/pdp", null).status()).isEqualTo(404);
    // a built-in preset is not the tenant's to delete
    assertThat(call("DELETE", "/v1/variant-presets/social", null).status()).isEqualTo(404);
  }

  @Test
  void aPresetWithABadVariantIsRefusedNamingIt() throws Exception {
    Answer a =
        call(
            "PUT",
            "/v1/variant-presets/broken",
            """
            {"variants": [{"name": "main", "aspectRatio": "1:1", "size": "1K"},
                          {"name": "odd", "aspectRatio": "7:3", "size": "1K"}]}
            """);

    assertThat(a.status()).isEqualTo(400);
    assertThat(a.body().path("errors").path(0).path("field").asString())
        .isEqualTo("variants[1].aspectRatio");
    assertThat(call("GET", "/v1/variant-presets/broken", null).status()).isEqualTo(404);
  }

  @Test
  void anUnknownPresetIsAProblemOfTheSubmissionAndStoresNothing() throws Exception {
    Answer a =
        call(
            "POST",
            "/v1/batches",
            """
            {"name": "no-such-preset", "variantPreset": "nope",
             "items": [{"sku": "N-1", "title": "Mug"}]}
            """);

    assertThat(a.status()).isEqualTo(400);
    JsonNode error = a.body().path("errors").path(0);
    assertThat(error.path("field").asString()).isEqualTo("variantPreset");
    assertThat(error.path("message").asString())
        .contains("unknown preset 'nope'")
        .contains("social");
    assertThat(
            jdbc.sql("SELECT count(*) FROM batches WHERE name = 'no-such-preset'")
                .query(Long.class)
                .single())
        .isZero();
  }

  @Test
  void anotherTenantDoesNotSeeOrUseMyPreset() throws Exception {
    assertThat(
            call(
                    "PUT",
                    "/v1/variant-presets/mine",
                    "{\"variants\": [{\"name\": \"main\", \"aspectRatio\": \"1:1\", \"size\": \"1K\"}]}")
                .status())
        .isEqualTo(200);
    String admin = "Bearer " + ApiTestInfrastructure.ADMIN_TOKEN;
    String tenant =
        call("POST", "/v1/admin/tenants", admin, "application/json", "{\"name\": \"other-shop\"}")
            .body()
            .path("id")
            .asString();
    String other =
        "Bearer "
            + call(
                    "POST",
                    "/v1/admin/tenants/" + tenant + "/keys",
                    admin,
                    "application/json",
                    "{\"name\": \"ci\"}")
                .body()
                .path("key")
                .asString();

    assertThat(call("GET", "/v1/variant-presets/mine", other, "application/json", null).status())
        .isEqualTo(404);
    Answer submitted =
        call(
            "POST",
            "/v1/batches",
            other,
            "application/json",
            "{\"variantPreset\": \"mine\", \"items\": [{\"sku\": \"O-1\", \"title\": \"Mug\"}]}");
    assertThat(submitted.status()).isEqualTo(400);
    assertThat(submitted.body().path("errors").path(0).path("field").asString())
        .isEqualTo("variantPreset");
  }
}
