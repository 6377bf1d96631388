package io.catalogimage.simulator.gemini;

import java.time.Duration;

/**
 * google.protobuf.Duration in JSON: seconds with 0, 3, 6 or 9 fractional digits, e.g.
 * "11.769242877s".
 */
final class ProtoDuration {
  private ProtoDuration() {}

  static String format(Duration d) {
    long seconds = d.getSeconds();
    int nanos = d.getNano();
    if (nanos == 0) {
      return seconds + "s";
    }
    if (nanos % 1_000_000 == 0) {
      return String.format("%d.%03ds", seconds, nanos / 1_000_000);
    }
    if (nanos % 1_000 == 0) {
      return String.format("%d.%06ds", seconds, nanos / 1_000);
    }
    return String.format("%d.%09ds", seconds, nanos);
  }
}
