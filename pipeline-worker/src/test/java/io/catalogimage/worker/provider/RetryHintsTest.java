package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryHintsTest {

  private static HttpHeaders headers(Map<String, String> values) {
    return HttpHeaders.of(
        values.entrySet().stream()
            .collect(
                java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))),
        (a, b) -> true);
  }

  @Test
  void milliseconds_win_over_seconds() {
    assertThat(
            RetryHints.fromHeaders(headers(Map.of("retry-after-ms", "1500", "retry-after", "9"))))
        .isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void seconds_and_fractions_of_seconds() {
    assertThat(RetryHints.fromHeaders(headers(Map.of("Retry-After", "12")))).hasSeconds(12);
    assertThat(RetryHints.fromHeaders(headers(Map.of("retry-after", "0.5"))))
        .isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void an_http_date_is_the_time_until_then() {
    Clock clock = Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC);
    assertThat(
            RetryHints.fromHeaders(
                headers(Map.of("Retry-After", "Sat, 05 Dec 2026 10:00:30 GMT")), clock))
        .hasSeconds(30);
    assertThat(
            RetryHints.fromHeaders(
                headers(Map.of("Retry-After", "Sat, 05 Dec 2026 09:00:00 GMT")), clock))
        .isZero();
  }

  @Test
  void nothing_readable_is_no_hint() {
    assertThat(RetryHints.fromHeaders(headers(Map.of()))).isNull();
    assertThat(RetryHints.fromHeaders(headers(Map.of("retry-after", "soon")))).isNull();
    assertThat(RetryHints.fromHeaders(null)).isNull();
  }
}
