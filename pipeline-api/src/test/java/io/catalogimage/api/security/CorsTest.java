package io.catalogimage.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.infra.RawHttp;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Cross-origin access for the configured origins only (closed by default: AuthenticationTest). */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "pipeline.security.cors.allowed-origins=https://admin.example.com")
class CorsTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;

  private RawHttp.Response preflight(String origin) {
    return new RawHttp(port)
        .send(
            "OPTIONS",
            "/v1/usage",
            List.of(
                new String[] {"Origin", origin},
                new String[] {"Access-Control-Request-Method", "GET"},
                new String[] {"Access-Control-Request-Headers", "authorization"}),
            null);
  }

  @Test
  void a_configured_origin_may_call_the_api_from_a_browser() {
    RawHttp.Response r = preflight("https://admin.example.com");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("https://admin.example.com");
    RawHttp.Response call =
        new RawHttp(port)
            .send(
                "GET",
                "/v1/usage",
                List.of(
                    new String[] {"Origin", "https://admin.example.com"},
                    new String[] {"Authorization", ApiTestInfrastructure.AUTHORIZATION}),
                null);
    assertThat(call.status()).isEqualTo(200);
    assertThat(call.header("Access-Control-Allow-Origin")).isEqualTo("https://admin.example.com");
  }

  @Test
  void any_other_origin_is_refused_with_a_problem() {
    RawHttp.Response r = preflight("https://evil.example");

    assertThat(r.status()).isEqualTo(403);
    assertThat(r.isProblem()).isTrue();
    assertThat(r.header("Access-Control-Allow-Origin")).isNull();
  }
}
