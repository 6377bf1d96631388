package io.catalogimage.api.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.kagkarlsson.scheduler.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Firing with db-scheduler on real PostgreSQL and a moved clock: across daylight-saving changes, by
 * two api instances at once, and after an outage (caught up once, or recorded as missed).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(ScheduleTestSupport.MovedClock.class)
class ScheduleFiringTest extends ScheduleTestSupport {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    properties(registry);
  }

  @Autowired FireSchedules fireSchedules;

  private String daily(String at, String zone, String deadline) throws Exception {
    putFeed("feeds/firing.csv", "sku,title\r\nA-1,Mug\r\n");
    return id(
        createSchedule(
            """
            {"dailyAt": "%s", "timeZone": "%s" %s, "source": {"objectKey": "feeds/firing.csv"},
             "batch": {"variants": [{"name": "main"}]}}
            """
                .formatted(
                    at, zone, deadline == null ? "" : ", \"deadline\": \"" + deadline + "\"")));
  }

  /** Due time -> state of every run the schedule has. */
  private Map<Instant, String> runsByDue(String schedule) throws Exception {
    Map<Instant, String> out = new TreeMap<>();
    for (JsonNode r : runs(schedule)) {
      out.put(Instant.parse(r.path("dueAt").asString()), r.path("state").asString());
    }
    return out;
  }

  /** Moves the clock just past each firing and waits for its run. */
  private void fireThrough(String schedule, List<Instant> firings) throws Exception {
    for (Instant due : firings) {
      JsonNode s = ok(api().get("/v1/schedules/" + schedule), 200);
      assertThat(Instant.parse(s.path("nextRunAt").asString())).isEqualTo(due);
      clock.set(due.plusSeconds(1));
      await().atMost(Duration.ofSeconds(10)).until(() -> runsByDue(schedule).containsKey(due));
    }
  }

  @Test
  void aDailyBerlinScheduleFiresOnceADayAcrossTheSpringForwardGap() throws Exception {
    clock.set(Instant.parse("2026-03-27T12:00:00Z"));
    String schedule = daily("02:30", "Europe/Berlin", "06:00");
    startScheduler("api-1");

    List<Instant> firings =
        List.of(
            Instant.parse("2026-03-28T01:30:00Z"), // 02:30 CET
            Instant.parse("2026-03-29T01:30:00Z"), // 02:30 does not exist: 03:30 CEST
            Instant.parse("2026-03-30T00:30:00Z")); // 02:30 CEST
    fireThrough(schedule, firings);

    assertThat(runsByDue(schedule).keySet()).containsExactlyElementsOf(firings);
    JsonNode gapDay =
        runs(schedule).stream()
            .filter(r -> r.path("dueAt").asString().equals("2026-03-29T01:30:00Z"))
            .findFirst()
            .orElseThrow();
    assertThat(gapDay.path("deadline").asString()).isEqualTo("2026-03-29T04:00:00Z");
  }

  @Test
  void aDailyNewYorkScheduleFiresOnceOnTheNightTheHourRepeats() throws Exception {
    clock.set(Instant.parse("2026-10-31T12:00:00Z"));
    String schedule = daily("01:30", "America/New_York", "07:00");
    startScheduler("api-1");

    List<Instant> firings =
        List.of(
            Instant.parse("2026-11-01T05:30:00Z"), // the first 01:30 (EDT)
            Instant.parse("2026-11-02T06:30:00Z")); // 01:30 EST
    fireThrough(schedule, firings);

    // the second 01:30 (06:30 UTC on Nov 1) passed without a run
    assertThat(runsByDue(schedule).keySet()).containsExactlyElementsOf(firings);
    assertThat(runs(schedule).get(0).path("deadline").asString())
        .isEqualTo("2026-11-02T12:00:00Z"); // 07:00 EST
  }

  @Test
  void twoApiInstancesFireEachDueTimeOnce() throws Exception {
    String schedule = daily("03:00", "UTC", null);
    Scheduler one = startScheduler("api-1");
    Scheduler two = startScheduler("api-2");
    Instant due = Instant.parse("2026-12-08T03:00:00Z");

    clock.set(due.plusSeconds(1));
    one.triggerCheckForDueExecutions();
    two.triggerCheckForDueExecutions();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                ok(api().get("/v1/schedules/" + schedule), 200)
                    .path("nextRunAt")
                    .asString()
                    .equals("2026-12-09T03:00:00Z"));
    // a stale second firing of the same due time (a revived execution) starts nothing either
    fireSchedules.fire(uuid(schedule), due);

    assertThat(
            count(
                "SELECT count(*) FROM schedule_runs WHERE schedule_id = CAST(? AS uuid)", schedule))
        .isEqualTo(1);
    assertThat(runsByDue(schedule)).containsOnlyKeys(due);
  }

  @Test
  void firingsMissedWhileNothingRanAreCaughtUpOnceOrRecordedAsMissed() throws Exception {
    String schedule = daily("01:00", "UTC", "06:00");
    // nothing runs from Dec 7 noon until Dec 10 03:00: three firings passed, the last one's
    // deadline (06:00) can still be met
    clock.set(Instant.parse("2026-12-10T03:00:00Z"));
    Scheduler back = startScheduler("api-1");
    await().atMost(Duration.ofSeconds(10)).until(() -> runsByDue(schedule).size() == 3);
    Map<Instant, String> afterOutage = runsByDue(schedule);
    assertThat(afterOutage)
        .containsEntry(Instant.parse("2026-12-08T01:00:00Z"), "MISSED")
        .containsEntry(Instant.parse("2026-12-09T01:00:00Z"), "MISSED");
    assertThat(afterOutage.get(Instant.parse("2026-12-10T01:00:00Z")))
        .isIn("FETCHING", "GENERATING");
    JsonNode caughtUp =
        runs(schedule).stream()
            .filter(r -> r.path("dueAt").asString().equals("2026-12-10T01:00:00Z"))
            .findFirst()
            .orElseThrow();
    assertThat(caughtUp.path("trigger").asString()).isEqualTo("CATCH_UP");

    // down again until Dec 12 07:00: the 11th is superseded, the 12th is past its deadline
    back.stop();
    clock.set(Instant.parse("2026-12-12T07:00:00Z"));
    startScheduler("api-2");
    await().atMost(Duration.ofSeconds(10)).until(() -> runsByDue(schedule).size() == 5);
    Map<Instant, String> after = runsByDue(schedule);
    assertThat(after)
        .containsEntry(Instant.parse("2026-12-11T01:00:00Z"), "MISSED")
        .containsEntry(Instant.parse("2026-12-12T01:00:00Z"), "MISSED");
    JsonNode late =
        runs(schedule).stream()
            .filter(r -> r.path("dueAt").asString().equals("2026-12-12T01:00:00Z"))
            .findFirst()
            .orElseThrow();
    assertThat(late.path("reason").asString()).contains("after its deadline");
    assertThat(ok(api().get("/v1/schedules/" + schedule), 200).path("nextRunAt").asString())
        .isEqualTo("2026-12-13T01:00:00Z");
  }

  @Test
  void aPausedScheduleDoesNotFireAndResumesFromTheNextDueTime() throws Exception {
    String schedule = daily("03:00", "UTC", null);
    startScheduler("api-1");
    JsonNode paused = ok(api().call("POST", "/v1/schedules/" + schedule + "/pause", null), 200);
    assertThat(paused.path("paused").asBoolean()).isTrue();
    assertThat(paused.path("nextRunAt").isNull()).isTrue();

    clock.set(Instant.parse("2026-12-09T12:00:00Z"));
    JsonNode resumed = ok(api().call("POST", "/v1/schedules/" + schedule + "/resume", null), 200);
    assertThat(resumed.path("nextRunAt").asString()).isEqualTo("2026-12-10T03:00:00Z");
    assertThat(runs(schedule)).isEmpty();
  }
}
