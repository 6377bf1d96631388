package io.catalogimage.common.pricing;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * The month a tenant's spend counts in (UTC): the key of {@code tenant_spend}, written by the
 * workers' cap reservations and read by the api, so both must compute it alike.
 */
public final class SpendMonth {

  private SpendMonth() {}

  public static YearMonth of(Instant at) {
    return YearMonth.from(at.atOffset(ZoneOffset.UTC));
  }

  /** The first instant of {@code month}. */
  public static Instant start(YearMonth month) {
    return month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
  }
}
