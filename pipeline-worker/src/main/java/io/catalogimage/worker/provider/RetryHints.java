package io.catalogimage.worker.provider;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * The retry delay a provider gives in HTTP headers: {@code retry-after-ms} (OpenAI), else {@code
 * Retry-After} in seconds or as an HTTP date (RFC 9110 §10.2.3; gateways and Google's front ends
 * send it too). Null when there is none or it cannot be read.
 */
public final class RetryHints {

  private RetryHints() {}

  public static Duration fromHeaders(HttpHeaders headers) {
    return fromHeaders(headers, Clock.systemUTC());
  }

  static Duration fromHeaders(HttpHeaders headers, Clock clock) {
    if (headers == null) {
      return null;
    }
    Optional<String> ms = headers.firstValue("retry-after-ms");
    if (ms.isPresent()) {
      try {
        return nonNegative(Duration.ofMillis((long) Double.parseDouble(ms.get().strip())));
      } catch (NumberFormatException ignored) {
        // fall through to retry-after
      }
    }
    Optional<String> after = headers.firstValue("retry-after");
    if (after.isEmpty()) {
      return null;
    }
    String value = after.get().strip();
    try {
      return nonNegative(Duration.ofMillis((long) (Double.parseDouble(value) * 1000)));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
        return nonNegative(Duration.between(clock.instant(), at.toInstant()));
      } catch (RuntimeException unreadable) {
        return null;
      }
    }
  }

  private static Duration nonNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }
}
