package io.catalogimage.api.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Firings and deadlines across daylight-saving transitions: a daily run fires once a day, on the
 * day the clocks go forward (its hour missing) and on the day they go back (its hour twice).
 */
class FireTimesTest {

  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  private static List<Instant> firings(FireTimes times, Instant from, int n) {
    List<Instant> out = new ArrayList<>();
    Instant at = from;
    for (int i = 0; i < n; i++) {
      at = times.next(at);
      out.add(at);
    }
    return out;
  }

  @Test
  void berlinSpringForwardFiresAMissingHourOnceAfterTheGap() {
    // 2026-03-29: 02:00 CET -> 03:00 CEST; 02:30 does not exist that day
    FireTimes times = FireTimes.daily(LocalTime.of(2, 30), BERLIN, LocalTime.of(6, 0));

    assertThat(firings(times, Instant.parse("2026-03-27T12:00:00Z"), 4))
        .containsExactly(
            Instant.parse("2026-03-28T01:30:00Z"), // 02:30 CET
            Instant.parse("2026-03-29T01:30:00Z"), // 03:30 CEST, just after the gap
            Instant.parse("2026-03-30T00:30:00Z"), // 02:30 CEST
            Instant.parse("2026-03-31T00:30:00Z"));
    // the deadline of the gap day's run is 06:00 CEST that morning
    assertThat(times.deadlineFor(Instant.parse("2026-03-29T01:30:00Z")))
        .isEqualTo(Instant.parse("2026-03-29T04:00:00Z"));
  }

  @Test
  void berlinFallBackFiresARepeatedHourOnce() {
    // 2026-10-25: 03:00 CEST -> 02:00 CET; 02:30 happens twice
    FireTimes times = FireTimes.daily(LocalTime.of(2, 30), BERLIN, LocalTime.of(6, 0));

    assertThat(firings(times, Instant.parse("2026-10-23T12:00:00Z"), 3))
        .containsExactly(
            Instant.parse("2026-10-24T00:30:00Z"), // 02:30 CEST
            Instant.parse("2026-10-25T00:30:00Z"), // the first 02:30 (CEST) only
            Instant.parse("2026-10-26T01:30:00Z")); // 02:30 CET
    assertThat(times.deadlineFor(Instant.parse("2026-10-25T00:30:00Z")))
        .isEqualTo(Instant.parse("2026-10-25T05:00:00Z")); // 06:00 CET
  }

  @Test
  void newYorkTransitionsOfADailyRunAndItsDeadline() {
    // 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST
    FireTimes times = FireTimes.daily(LocalTime.of(1, 30), NEW_YORK, LocalTime.of(7, 0));

    assertThat(firings(times, Instant.parse("2026-03-07T12:00:00Z"), 2))
        .containsExactly(
            Instant.parse("2026-03-08T06:30:00Z"), // 01:30 EST (before the gap)
            Instant.parse("2026-03-09T05:30:00Z")); // 01:30 EDT
    assertThat(times.deadlineFor(Instant.parse("2026-03-08T06:30:00Z")))
        .isEqualTo(Instant.parse("2026-03-08T11:00:00Z")); // 07:00 EDT, an hour sooner

    assertThat(firings(times, Instant.parse("2026-10-31T12:00:00Z"), 2))
        .containsExactly(
            Instant.parse("2026-11-01T05:30:00Z"), // the first 01:30 (EDT) only
            Instant.parse("2026-11-02T06:30:00Z")); // 01:30 EST
  }

  @Test
  void cronFiresOnceForARepeatedWallTimeAndAfterTheGapForAMissingOne() {
    FireTimes berlin = FireTimes.cron("30 2 * * *", BERLIN, null);
    assertThat(firings(berlin, Instant.parse("2026-10-24T12:00:00Z"), 2))
        .containsExactly(
            Instant.parse("2026-10-25T00:30:00Z"), Instant.parse("2026-10-26T01:30:00Z"));
    // crontab would skip the night whose 02:30 does not exist; a nightly feed run must not
    assertThat(firings(berlin, Instant.parse("2026-03-28T12:00:00Z"), 2))
        .containsExactly(
            Instant.parse("2026-03-29T01:30:00Z"), Instant.parse("2026-03-30T00:30:00Z"));

    FireTimes ny = FireTimes.cron("30 1 * * *", NEW_YORK, null);
    assertThat(firings(ny, Instant.parse("2026-10-31T12:00:00Z"), 2))
        .containsExactly(
            Instant.parse("2026-11-01T05:30:00Z"), Instant.parse("2026-11-02T06:30:00Z"));
  }

  @Test
  void aDeadlineEarlierInTheDayIsTheNextMorning() {
    FireTimes late = FireTimes.daily(LocalTime.of(23, 0), BERLIN, LocalTime.of(6, 0));

    assertThat(late.deadlineFor(Instant.parse("2026-12-05T22:00:00Z")))
        .isEqualTo(Instant.parse("2026-12-06T05:00:00Z"));
  }
}
