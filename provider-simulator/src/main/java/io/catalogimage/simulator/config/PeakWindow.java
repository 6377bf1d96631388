package io.catalogimage.simulator.config;

import java.time.LocalTime;
import java.time.format.DateTimeParseException;

/**
 * A daily window {@code [start, end)} in the peak calendar's zone. {@code end < start} spans
 * midnight (e.g. 22:00-02:00).
 */
public record PeakWindow(LocalTime start, LocalTime end) {
  public PeakWindow {
    if (start == null || end == null || start.equals(end)) {
      throw new IllegalArgumentException("peak window needs distinct start and end");
    }
  }

  public boolean contains(LocalTime time) {
    if (start.isBefore(end)) {
      return !time.isBefore(start) && time.isBefore(end);
    }
    return !time.isBefore(start) || time.isBefore(end);
  }

  /** Parses {@code "10:00-14:00"}. */
  public static PeakWindow parse(String text) {
    String[] parts = text.trim().split("\\s*-\\s*");
    if (parts.length != 2) {
      throw new IllegalArgumentException("peak window must look like 10:00-14:00: " + text);
    }
    try {
      return new PeakWindow(LocalTime.parse(parts[0]), LocalTime.parse(parts[1]));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("peak window must look like 10:00-14:00: " + text, e);
    }
  }

  @Override
  public String toString() {
    return start + "-" + end;
  }
}
