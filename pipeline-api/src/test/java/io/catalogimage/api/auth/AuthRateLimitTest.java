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

/**
 * Failed authentications are limited per client address and per key prefix; behind a trusted proxy
 * (here: this machine) the client is read from X-Forwarded-For, and a flood of new addresses does
 * not wipe out what is known about one that keeps failing.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "pipeline.security.failed-auth-per-minute=3",
      "pipeline.security.failed-auth-per-key-per-minute=5",
      "pipeline.security.trusted-proxies=127.0.0.1,::1",
      "pipeline.security.tracked-clients=200"
    })
class AuthRateLimitTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String client, String authorization) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/tenant/cost-cap"))
            .header("Authorization", authorization)
            .header("X-Forwarded-For", client)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void afterTooManyFailuresTheAddressWaits() throws Exception {
    String client = "203.0.113.7";
    for (int i = 0; i < 3; i++) {
      assertThat(get(client, "Bearer guess-" + i).statusCode()).isEqualTo(401);
    }

    HttpResponse<String> limited = get(client, "Bearer guess-4");

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After").map(Integer::parseInt))
        .hasValueSatisfying(s -> assertThat(s).isBetween(1, 60));
    assertThat(limited.body()).contains("too-many-failed-authentications");
    // even a good key waits: the address is what is limited
    assertThat(get(client, ApiTestInfrastructure.AUTHORIZATION).statusCode()).isEqualTo(429);
    // another client behind the same proxy is not
    assertThat(get("203.0.113.8", ApiTestInfrastructure.AUTHORIZATION).statusCode()).isEqualTo(200);
  }

  @Test
  void aForwardedAddressWrittenByTheClientIsNotBelieved() throws Exception {
    // the client writes a fake hop to the left; our proxy appends what it saw (rightmost)
    for (int i = 0; i < 3; i++) {
      assertThat(get("198.51.100." + i + ", 203.0.113.20", "Bearer guess").statusCode())
          .isEqualTo(401);
    }
    assertThat(get("198.51.100.99, 203.0.113.20", "Bearer guess").statusCode()).isEqualTo(429);
  }

  @Test
  void oneKeyPrefixTriedFromManyAddressesIsLimitedToo() throws Exception {
    // a prefix of its own: the test key's prefix must stay usable for the other tests
    String prefix = "cip_Zz9Yy8Xx7W";
    for (int i = 0; i < 5; i++) {
      String wrong = prefix + "_" + "x".repeat(31) + i;
      assertThat(get("192.0.2." + (10 + i), "Bearer " + wrong).statusCode()).isEqualTo(401);
    }

    HttpResponse<String> limited = get("192.0.2.99", "Bearer " + prefix + "_" + "y".repeat(32));

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).isPresent();
  }

  @Test
  void aFloodOfNewAddressesDoesNotResetAnAddressThatKeepsFailing() throws Exception {
    String attacker = "203.0.113.66";
    for (int i = 0; i < 4; i++) {
      get(attacker, "Bearer guess-" + i);
    }
    assertThat(get(attacker, "Bearer guess").statusCode()).isEqualTo(429);

    // five times as many new addresses as are tracked, each failing once, while it keeps trying
    for (int i = 0; i < 1_000; i++) {
      get("10." + (i >> 8) + "." + (i & 0xff) + ".1", "Bearer flood");
      if (i % 50 == 0) {
        assertThat(get(attacker, "Bearer guess").statusCode()).isEqualTo(429);
      }
    }

    assertThat(get(attacker, ApiTestInfrastructure.AUTHORIZATION).statusCode()).isEqualTo(429);
  }
}
