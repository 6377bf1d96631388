package io.catalogimage.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Failed authentications are limited per client address. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "pipeline.security.failed-auth-per-minute=3")
class AuthRateLimitTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String authorization) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/tenant/cost-cap"))
            .header("Authorization", authorization)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void afterTooManyFailuresTheAddressWaitsAMinute() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(get("Bearer guess-" + i).statusCode()).isEqualTo(401);
    }

    HttpResponse<String> limited = get("Bearer guess-4");

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).hasValue("60");
    assertThat(limited.body()).contains("too-many-failed-authentications");
    // even a good key waits: the address is what is limited
    assertThat(get(ApiTestInfrastructure.AUTHORIZATION).statusCode()).isEqualTo(429);
  }
}
