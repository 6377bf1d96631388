package io.catalogimage.api.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.common.providerjob.LaneChoice;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The turnaround prior a fresh install decides with, before any job of a model is measured. */
class BatchLaneChoicePropertiesTest {

  private static final Instant NOW = Instant.parse("2026-12-05T20:00:00Z");

  private static LaneChoice.Choice freshInstall(BatchLaneChoiceProperties p, Duration deadlineIn) {
    return new LaneChoice(
            p.priorTurnaround("gemini-3.1-flash-image", "gemini"), p.realTimeReserve(), p.margin())
        .choose(NOW, NOW.plus(deadlineIn), LaneChoice.Asked.NONE);
  }

  @Test
  void on_a_fresh_install_a_twelve_hour_deadline_goes_to_the_batch_lane_and_a_nine_hour_one_not() {
    BatchLaneChoiceProperties defaults =
        new BatchLaneChoiceProperties(null, null, null, null, null, null);
    assertThat(defaults.defaultTurnaround()).isEqualTo(Duration.ofHours(8));
    assertThat(freshInstall(defaults, Duration.ofHours(12)).batch()).isTrue();
    assertThat(freshInstall(defaults, Duration.ofHours(9)).batch()).isFalse();
  }

  @Test
  void a_model_prior_wins_over_its_familys_which_wins_over_the_default() {
    BatchLaneChoiceProperties p =
        new BatchLaneChoiceProperties(
            null,
            Duration.ofHours(8),
            Map.of("openai", Duration.ofHours(3), "gpt-image-1.5", Duration.ofHours(1)),
            null,
            null,
            null);
    assertThat(p.priorTurnaround("gpt-image-1.5", "openai")).isEqualTo(Duration.ofHours(1));
    assertThat(p.priorTurnaround("gpt-image-1", "openai")).isEqualTo(Duration.ofHours(3));
    assertThat(p.priorTurnaround("gemini-3-pro-image", "gemini")).isEqualTo(Duration.ofHours(8));
  }

  @Test
  void a_prior_of_zero_stops_start_up_with_the_setting_named() {
    assertThatThrownBy(
            () ->
                new BatchLaneChoiceProperties(
                    null, null, Map.of("gemini", Duration.ZERO), null, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pipeline.batch-choice.turnarounds.gemini");
  }
}
