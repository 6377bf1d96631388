package io.catalogimage.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations, times and money as people read and type them. */
final class Texts {

  private static final Pattern RELATIVE = Pattern.compile("(?i)(\\d+)\\s*(ms|s|m|h|d)");
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Texts() {}

  /** {@code 45s}, {@code 3m 12s}, {@code 2h 05m}, {@code 3d 4h}. */
  static String duration(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
    }
    if (s < 86_400) {
      return String.format(Locale.ROOT, "%dh %02dm", s / 3600, (s % 3600) / 60);
    }
    return String.format(Locale.ROOT, "%dd %dh", s / 86_400, (s % 86_400) / 3600);
  }

  /**
   * A duration typed on the command line: {@code 90s}, {@code 30m}, {@code 2h}, {@code 1d}, or an
   * ISO-8601 one ({@code PT2H}).
   */
  static Duration parseDuration(String text, String option) {
    Matcher m = RELATIVE.matcher(text.strip());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2).toLowerCase(Locale.ROOT)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(text.strip());
    } catch (DateTimeParseException e) {
      throw new CliFailure(
          ExitCode.USAGE,
          option + ": '" + text + "' is not a duration (e.g. 500ms, 90s, 30m, 2h, 1d)");
    }
  }

  /**
   * An instant typed on the command line: ISO-8601 ({@code 2026-12-06T06:00:00Z}) as the api takes
   * it, or a time from now ({@code 8h}).
   */
  static String instant(String text, Instant now, String option) {
    if (RELATIVE.matcher(text.strip()).matches()) {
      return now.plus(parseDuration(text, option)).toString();
    }
    try {
      return Instant.parse(text.strip()).toString();
    } catch (DateTimeParseException e) {
      throw new CliFailure(
          ExitCode.USAGE,
          option
              + ": '"
              + text
              + "' is neither an instant (2026-12-06T06:00:00Z) nor a time from"
              + " now (8h)");
    }
  }

  /** {@code 2026-12-05 10:12 UTC}. */
  static String clock(Instant t) {
    return CLOCK.format(t);
  }

  static String money(double usd) {
    return String.format(Locale.ROOT, "$%.2f", usd);
  }
}
