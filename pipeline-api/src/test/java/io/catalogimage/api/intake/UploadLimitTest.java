package io.catalogimage.api.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** An upload larger than the limit is a 413 naming the limit, and stores nothing. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "pipeline.intake.max-body-size=2KB")
class UploadLimitTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  @Test
  void aTooLargeUploadIsA413WithTheLimitAndStoresNothing() throws Exception {
    StringBuilder csv = new StringBuilder("sku,title\n");
    for (int i = 0; i < 200; i++) {
      csv.append("SKU-").append(i).append(",Product number ").append(i).append('\n');
    }
    long before = jdbc.sql("SELECT count(*) FROM products").query(Long.class).single();

    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + port + "/v1/batches?variant=listing:1:1:1K"))
                    .header("Authorization", ApiTestInfrastructure.AUTHORIZATION)
                    .header("Content-Type", "text/csv")
                    .POST(HttpRequest.BodyPublishers.ofString(csv.toString()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).contains("payload-too-large").contains("\"limitBytes\":2048");
    assertThat(jdbc.sql("SELECT count(*) FROM products").query(Long.class).single())
        .isEqualTo(before);
  }
}
