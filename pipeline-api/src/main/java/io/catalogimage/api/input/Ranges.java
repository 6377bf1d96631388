package io.catalogimage.api.input;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;

/**
 * The ranges numbers and times must be in before they reach a column: money fits {@code
 * numeric(14,6)} with room to add up, times and dates have four-digit years.
 */
public final class Ranges {

  /** The most a cap may be, in USD. */
  public static final BigDecimal MAX_USD = new BigDecimal("10000000");

  /** Money is kept to the micro-dollar ({@code numeric(14,6)}). */
  public static final int MAX_USD_DECIMALS = 6;

  public static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  private Ranges() {}

  /** Why {@code usd} cannot be a cap: more than 0, at most 10,000,000, at most 6 decimals. */
  public static Optional<String> money(BigDecimal usd) {
    if (usd == null) {
      return Optional.empty();
    }
    if (usd.signum() <= 0) {
      return Optional.of("must be more than 0");
    }
    if (usd.compareTo(MAX_USD) > 0) {
      return Optional.of("must be at most " + MAX_USD.toPlainString() + " (USD)");
    }
    if (usd.stripTrailingZeros().scale() > MAX_USD_DECIMALS) {
      return Optional.of("has more than " + MAX_USD_DECIMALS + " decimal places");
    }
    return Optional.empty();
  }

  /** Why {@code at} is out of range: from the year 2000 to the end of 9999. */
  public static Optional<String> instant(Instant at) {
    if (at == null || (!at.isBefore(EARLIEST) && !at.isAfter(LATEST))) {
      return Optional.empty();
    }
    return Optional.of("must be between " + EARLIEST + " and " + LATEST);
  }

  /** Why {@code day} is out of range: from 2000-01-01 to 9999-12-31. */
  public static Optional<String> date(LocalDate day) {
    if (day == null || (day.getYear() >= 2000 && day.getYear() <= 9999)) {
      return Optional.empty();
    }
    return Optional.of("must be between 2000-01-01 and 9999-12-31");
  }
}
