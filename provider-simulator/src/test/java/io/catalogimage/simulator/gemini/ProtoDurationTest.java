package io.catalogimage.simulator.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProtoDurationTest {
  @Test
  void formats_with_0_3_6_or_9_fractional_digits_like_protobuf_json() {
    assertThat(ProtoDuration.format(Duration.ofSeconds(26))).isEqualTo("26s");
    assertThat(ProtoDuration.format(Duration.ofMillis(39_500))).isEqualTo("39.500s");
    assertThat(ProtoDuration.format(Duration.ofNanos(11_769_242_000L))).isEqualTo("11.769242s");
    assertThat(ProtoDuration.format(Duration.ofNanos(11_769_242_877L))).isEqualTo("11.769242877s");
    assertThat(ProtoDuration.format(Duration.ZERO)).isEqualTo("0s");
  }
}
