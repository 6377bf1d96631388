package io.catalogimage.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When an open batch is judged unable to meet its deadline at the pace it has run so far. */
class DeadlineRiskTest {

  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  @Test
  void aBatchRunningTooSlowlyForItsDeadlineIsAtRisk() {
    // 100 of 1,000 done in 10 minutes: 900 more take 90 minutes, the deadline is in 60
    String reason =
        WatchBatches.reason(NOW.plusSeconds(3600), 1000, 900, NOW.minusSeconds(600), NOW);

    assertThat(reason).contains("100 items in 600 s").contains("900 open items");
  }

  @Test
  void aBatchOnPaceIsNot() {
    // 500 of 1,000 in 10 minutes: the rest take 10 minutes, the deadline is in 60
    assertThat(WatchBatches.reason(NOW.plusSeconds(3600), 1000, 500, NOW.minusSeconds(600), NOW))
        .isNull();
  }

  @Test
  void theFirstMinuteSetsNoPace() {
    assertThat(WatchBatches.reason(NOW.plusSeconds(3600), 1000, 999, NOW.minusSeconds(30), NOW))
        .isNull();
  }

  @Test
  void aBatchNotYetStartedIsJudgedOnlyAtTheDeadline() {
    assertThat(WatchBatches.reason(NOW.plusSeconds(60), 1000, 1000, null, NOW)).isNull();
    assertThat(WatchBatches.reason(NOW, 1000, 1000, null, NOW))
        .contains("1000 of 1000 items are still open at the deadline");
  }

  @Test
  void aFinishedBatchIsNeverAtRisk() {
    assertThat(WatchBatches.reason(NOW.minusSeconds(60), 1000, 0, NOW.minusSeconds(600), NOW))
        .isNull();
  }
}
