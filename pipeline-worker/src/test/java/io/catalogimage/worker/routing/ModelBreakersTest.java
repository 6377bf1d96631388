package io.catalogimage.worker.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The circuit breaker per model: stops calls to a failing model, probes it, trusts it again. */
class ModelBreakersTest {

  private static final String NB2 = "gemini-3.1-flash-image";
  private static final String PRO = "gemini-3-pro-image";
  private static final Duration LATENCY = Duration.ofSeconds(1);

  private final ModelBreakers breakers =
      new ModelBreakers(
          new RoutingProperties(null, null, null, null, 4, 50f, Duration.ofMillis(200), 1));

  @Test
  void serverErrorsOpenTheCircuitOfThatModelOnly() {
    // the window is 4 calls and judges from 2 on: two failures in two calls open it
    for (int i = 0; i < 2; i++) {
      assertThat(breakers.tryCall(NB2)).isTrue();
      breakers.failed(NB2, LATENCY, "SERVER_ERROR");
    }

    assertThat(breakers.state(NB2)).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breakers.tryCall(NB2)).isFalse();
    assertThat(breakers.tryCall(PRO)).isTrue();
  }

  @Test
  void anOpenCircuitLetsAProbeThroughAndCloses() {
    for (int i = 0; i < 2; i++) {
      breakers.tryCall(NB2);
      breakers.failed(NB2, LATENCY, "TIMED_OUT");
    }
    assertThat(breakers.state(NB2)).isEqualTo(CircuitBreaker.State.OPEN);

    await().atMost(Duration.ofSeconds(5)).until(() -> breakers.tryCall(NB2));
    assertThat(breakers.state(NB2)).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    assertThat(breakers.tryCall(NB2)).as("one probe at a time").isFalse();
    breakers.succeeded(NB2, LATENCY);

    assertThat(breakers.state(NB2)).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void rateLimitsAndBlocksSayNothingAboutTheModelsHealth() {
    for (int i = 0; i < 10; i++) {
      assertThat(breakers.tryCall(NB2)).isTrue();
      breakers.neutral(NB2);
    }

    assertThat(breakers.state(NB2)).isEqualTo(CircuitBreaker.State.CLOSED);
  }
}
