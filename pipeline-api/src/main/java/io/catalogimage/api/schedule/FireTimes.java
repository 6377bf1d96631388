package io.catalogimage.api.schedule;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.springframework.scheduling.support.CronExpression;

/**
 * When a schedule fires and when each firing's run is due, in the schedule's time zone.
 *
 * <p>Daylight saving: a daily time that does not exist that day (inside the spring-forward gap)
 * fires at the same offset after the gap (02:30 becomes 03:30); a time that exists twice (fall
 * back) fires once, at its first occurrence. A cron expression is read on the wall clock and placed
 * the same way (crontab would skip the missing hour's run: a nightly feed would miss a night). The
 * deadline is the first occurrence of its local time after the firing (06:00 the same morning for a
 * 01:00 run, the next morning for a 23:00 run), resolved the same way.
 */
final class FireTimes {

  private final CronExpression cron;
  private final LocalTime dailyAt;
  private final ZoneId zone;
  private final LocalTime deadline;

  private FireTimes(CronExpression cron, LocalTime dailyAt, ZoneId zone, LocalTime deadline) {
    this.cron = cron;
    this.dailyAt = dailyAt;
    this.zone = zone;
    this.deadline = deadline;
  }

  static FireTimes daily(LocalTime at, ZoneId zone, LocalTime deadline) {
    return new FireTimes(null, at, zone, deadline);
  }

  static FireTimes cron(String expression, ZoneId zone, LocalTime deadline) {
    return new FireTimes(parseCron(expression), null, zone, deadline);
  }

  /**
   * A cron expression of five fields (minute hour day month weekday, as crontab) or Spring's six
   * (with seconds first), or a macro such as {@code @daily}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static CronExpression parseCron(String expression) {
    String text = expression.strip();
    if (!text.startsWith("@") && text.split("\\s+").length == 5) {
      text = "0 " + text;
    }
    return CronExpression.parse(text);
  }

  /** The first firing strictly after {@code after}. */
  Instant next(Instant after) {
    ZonedDateTime from = after.atZone(zone);
    if (cron != null) {
      // evaluated on the wall clock, then placed in the zone like a daily time
      LocalDateTime local = from.toLocalDateTime();
      while (true) {
        local = cron.next(local);
        if (local == null) {
          throw new IllegalStateException("the cron expression never fires again");
        }
        Instant candidate = ZonedDateTime.of(local, zone).toInstant();
        if (candidate.isAfter(after)) {
          return candidate;
        }
      }
    }
    LocalDate day = from.toLocalDate().minusDays(1);
    while (true) {
      Instant candidate = ZonedDateTime.of(day, dailyAt, zone).toInstant();
      if (candidate.isAfter(after)) {
        return candidate;
      }
      day = day.plusDays(1);
    }
  }

  /** The deadline of a run due at {@code due}: null when the schedule has none. */
  Instant deadlineFor(Instant due) {
    if (deadline == null) {
      return null;
    }
    LocalDate day = due.atZone(zone).toLocalDate();
    while (true) {
      Instant candidate = ZonedDateTime.of(day, deadline, zone).toInstant();
      if (candidate.isAfter(due)) {
        return candidate;
      }
      day = day.plusDays(1);
    }
  }
}
