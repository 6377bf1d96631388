package io.catalogimage.simulator.latency;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.config.LatencyDistribution;
import io.catalogimage.simulator.config.LatencySettings;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.fault.Hashing;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LatencyModelTest {
  private static final LatencySettings SETTINGS = LatencySettings.standard();

  private static double[] sampleSeconds(String model, String size, FaultKind.Latency kind, int n) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] =
          LatencyModel.sample(SETTINGS, 1.0, 1.0, model, size, kind, Hashing.mix(i + 1L)).toMillis()
              / 1000.0;
    }
    Arrays.sort(out);
    return out;
  }

  @Test
  void lognormal_draws_match_the_configured_median_and_p95() {
    double[] s = sampleSeconds("gemini-3.1-flash-image", "4K", FaultKind.Latency.FULL, 20_000);

    assertThat(s[s.length / 2]).isBetween(33.0, 37.0);
    assertThat(s[(int) (s.length * 0.95)]).isBetween(56.0, 64.0);
    assertThat(s[s.length - 1]).isLessThanOrEqualTo(120.0);
  }

  @Test
  void each_model_and_size_has_its_own_default() {
    assertThat(median("gemini-2.5-flash-image", "1K")).isBetween(4.6, 5.4);
    assertThat(median("gemini-3-pro-image", "2K")).isBetween(11.0, 13.0);
    assertThat(median("gemini-3-pro-image", "4K")).isBetween(18.5, 21.5);
    assertThat(median("gemini-3.1-flash-image", "512")).isBetween(3.7, 4.3);
    assertThat(median("gpt-image-1", "1024x1024")).isBetween(18.5, 21.5);
  }

  private static double median(String model, String size) {
    double[] s = sampleSeconds(model, size, FaultKind.Latency.FULL, 4001);
    return s[2000];
  }

  @Test
  void fast_failures_take_two_to_four_seconds() {
    double[] s = sampleSeconds("gemini-3-pro-image", "1K", FaultKind.Latency.FAST, 1000);

    assertThat(s[0]).isGreaterThanOrEqualTo(2.0);
    assertThat(s[s.length - 1]).isLessThanOrEqualTo(4.0);
  }

  @Test
  void a_deadline_waits_for_the_p95() {
    assertThat(
            LatencyModel.sample(
                SETTINGS, 1.0, 1.0, "gemini-3-pro-image", "1K", FaultKind.Latency.DEADLINE, 1L))
        .isEqualTo(Duration.ofSeconds(40));
  }

  @Test
  void time_scale_and_peak_factor_multiply_and_zero_scale_means_no_wait() {
    LatencySettings constant = SETTINGS.withModel("m", "*", LatencyDistribution.of(10, 10));

    assertThat(LatencyModel.sample(constant, 0.01, 2.0, "m", "1K", FaultKind.Latency.FULL, 1L))
        .isEqualTo(Duration.ofMillis(200));
    assertThat(LatencyModel.sample(constant, 0, 2.0, "m", "1K", FaultKind.Latency.FULL, 1L))
        .isZero();
    assertThat(LatencyModel.sample(constant, 1, 1, "m", "1K", FaultKind.Latency.NONE, 1L)).isZero();
  }

  @Test
  void a_fixed_latency_ignores_distributions_and_peak() {
    LatencySettings fixed = SETTINGS.withFixed(Duration.ofSeconds(20));

    assertThat(
            LatencyModel.sample(
                fixed, 0.5, 2.0, "gemini-3-pro-image", "4K", FaultKind.Latency.FULL, 9L))
        .isEqualTo(Duration.ofSeconds(10));
  }
}
