package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Each model's timeout follows the latency it really shows, within bounds. */
class ModelTimeoutsTest {

  private static final String NB2 = "gemini-3.1-flash-image";

  @Test
  void before_enough_calls_the_sizes_initial_timeout_applies() {
    ModelTimeouts t = new ModelTimeouts(TimeoutProperties.defaults());
    for (int i = 0; i < 19; i++) {
      t.observe(NB2, "1K", Duration.ofSeconds(7));
    }

    assertThat(t.timeoutFor(NB2, "1K", null)).isEqualTo(Duration.ofSeconds(60));
    assertThat(t.timeoutFor(NB2, "4K", null)).isEqualTo(Duration.ofSeconds(150));
    assertThat(t.timeoutFor(NB2, "unknown", null)).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void then_it_is_three_times_the_observed_p95_so_a_hung_model_is_left_in_tens_of_seconds() {
    ModelTimeouts t = new ModelTimeouts(TimeoutProperties.defaults());
    for (int i = 1; i <= 100; i++) {
      t.observe(NB2, "1K", Duration.ofMillis(100L * i)); // 0.1 s .. 10 s: p95 = 9.5 s
    }

    assertThat(t.timeoutFor(NB2, "1K", null)).isEqualTo(Duration.ofMillis(28_500));
  }

  @Test
  void it_stays_within_min_max_and_the_endpoints_ceiling() {
    ModelTimeouts t = new ModelTimeouts(TimeoutProperties.defaults());
    for (int i = 0; i < 50; i++) {
      t.observe(NB2, "512", Duration.ofMillis(300));
      t.observe(NB2, "4K", Duration.ofSeconds(90));
    }

    assertThat(t.timeoutFor(NB2, "512", null)).isEqualTo(Duration.ofSeconds(10));
    assertThat(t.timeoutFor(NB2, "4K", null)).isEqualTo(Duration.ofSeconds(180));
    assertThat(t.timeoutFor(NB2, "4K", Duration.ofSeconds(120))).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void it_forgets_old_latencies_beyond_its_window() {
    ModelTimeouts t =
        new ModelTimeouts(new TimeoutProperties(null, null, null, null, 20, 20, null));
    for (int i = 0; i < 20; i++) {
      t.observe(NB2, "1K", Duration.ofSeconds(30));
    }
    for (int i = 0; i < 20; i++) {
      t.observe(NB2, "1K", Duration.ofSeconds(5));
    }

    assertThat(t.timeoutFor(NB2, "1K", null)).isEqualTo(Duration.ofSeconds(15));
  }
}
