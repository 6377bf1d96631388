package io.catalogimage.common.calendar;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The provider's peak hours: windows of the day (in {@code zone}) when image models are slower,
 * throttle more and fail more (field reports: 10:00-14:00 UTC). Budgets switch to their peak rates
 * inside a window, interactive work may take another model chain, and the dispatcher holds back the
 * lanes in {@code deferLanes} until the window ends.
 *
 * @param enabled false = never peak (default true)
 * @param zone the zone the windows are written in (default UTC)
 * @param windows {@code HH:mm-HH:mm} ranges (default 10:00-14:00)
 * @param days days the windows apply to (default every day)
 * @param deferLanes lanes whose work waits out the peak unless its deadline needs the time (default
 *     bulk, scheduled)
 * @param learnt also treat as peak the hours (UTC) in which a model's rate learnt on earlier days
 *     is below {@code learntBelow} of its best hour (default true; the api's dispatch and plans)
 * @param learntBelow see {@code learnt} (default 0.75)
 */
@ConfigurationProperties("pipeline.peak")
public record PeakCalendar(
    Boolean enabled,
    ZoneId zone,
    List<String> windows,
    Set<DayOfWeek> days,
    List<String> deferLanes,
    Boolean learnt,
    Double learntBelow) {

  public PeakCalendar {
    enabled = enabled == null || enabled;
    zone = zone == null ? ZoneId.of("UTC") : zone;
    windows = windows == null ? List.of("10:00-14:00") : List.copyOf(windows);
    days = days == null || days.isEmpty() ? EnumSet.allOf(DayOfWeek.class) : EnumSet.copyOf(days);
    deferLanes = deferLanes == null ? List.of("bulk", "scheduled") : List.copyOf(deferLanes);
    learnt = learnt == null || learnt;
    learntBelow = learntBelow == null ? 0.75 : learntBelow;
    if (learntBelow <= 0 || learntBelow > 1) {
      throw new IllegalArgumentException("pipeline.peak.learnt-below must be in (0, 1]");
    }
    for (String w : windows) {
      parse(w);
    }
  }

  /** The default windows, switched off. */
  public static PeakCalendar never() {
    return new PeakCalendar(false, null, null, null, null, null, null);
  }

  /** The default lanes and days with these windows in UTC. */
  public static PeakCalendar utc(String... windows) {
    return new PeakCalendar(true, null, List.of(windows), null, null, null, null);
  }

  public boolean isPeak(Instant at) {
    return currentWindowEnd(at).isPresent();
  }

  /** When the peak window containing {@code at} ends; empty outside peak. */
  public Optional<Instant> currentWindowEnd(Instant at) {
    if (!enabled) {
      return Optional.empty();
    }
    ZonedDateTime local = at.atZone(zone);
    if (!days.contains(local.getDayOfWeek())) {
      return Optional.empty();
    }
    LocalTime time = local.toLocalTime();
    for (String w : windows) {
      LocalTime[] range = parse(w);
      if (!time.isBefore(range[0]) && time.isBefore(range[1])) {
        return Optional.of(local.with(range[1]).toInstant());
      }
    }
    return Optional.empty();
  }

  /** Whether work of this lane waits out peak windows. */
  public boolean defers(String lane) {
    return deferLanes.contains(lane.toLowerCase(Locale.ROOT));
  }

  private static LocalTime[] parse(String window) {
    String[] parts = window.trim().split("-");
    if (parts.length != 2) {
      throw new IllegalArgumentException(
          "pipeline.peak.windows: '" + window + "' is not HH:mm-HH:mm");
    }
    LocalTime from = LocalTime.parse(parts[0].trim());
    LocalTime to = LocalTime.parse(parts[1].trim());
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException(
          "pipeline.peak.windows: '" + window + "' must end after it starts, on the same day");
    }
    return new LocalTime[] {from, to};
  }
}
