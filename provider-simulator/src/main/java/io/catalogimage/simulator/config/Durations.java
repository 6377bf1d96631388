package io.catalogimage.simulator.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Friendly durations for config files: "250ms", "5s", "1.5s", "2m", "1h", ISO "PT5S", or seconds.
 */
public final class Durations {
  private static final Pattern SIMPLE = Pattern.compile("^(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)$");

  private Durations() {}

  public static Duration parse(String text) {
    String t = text.trim();
    Matcher m = SIMPLE.matcher(t);
    if (m.matches()) {
      BigDecimal value = new BigDecimal(m.group(1));
      BigDecimal nanosPerUnit =
          switch (m.group(2)) {
            case "ms" -> BigDecimal.valueOf(1_000_000L);
            case "s" -> BigDecimal.valueOf(1_000_000_000L);
            case "m" -> BigDecimal.valueOf(60_000_000_000L);
            default -> BigDecimal.valueOf(3_600_000_000_000L);
          };
      return Duration.ofNanos(value.multiply(nanosPerUnit).longValueExact());
    }
    if (t.matches("^\\d+(\\.\\d+)?$")) {
      return Duration.ofNanos(
          new BigDecimal(t).multiply(BigDecimal.valueOf(1_000_000_000L)).longValueExact());
    }
    try {
      return Duration.parse(t);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "not a duration (use 250ms, 5s, 1.5s, 2m, 1h or PT5S): " + text, e);
    }
  }

  /** "5s", "1.5s", "0.25s". */
  public static String format(Duration d) {
    BigDecimal seconds = BigDecimal.valueOf(d.toNanos()).movePointLeft(9).stripTrailingZeros();
    return seconds.toPlainString() + "s";
  }
}
