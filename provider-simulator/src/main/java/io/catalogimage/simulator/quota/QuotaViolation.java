package io.catalogimage.simulator.quota;

import java.time.Duration;
import java.util.Optional;

/**
 * Why a request was refused with 429: a value, not an exception (the caller renders it in its
 * protocol's shape).
 *
 * @param dimension the quota that ran out
 * @param limit the effective limit (after peak scaling); 0 = no entitlement
 * @param used how much of it was used when the request arrived
 * @param retryAfter real time until a slot frees; for a per-day quota the time until 00:00
 *     America/Los_Angeles; null when waiting cannot help (limit 0)
 */
public record QuotaViolation(QuotaDimension dimension, long limit, long used, Duration retryAfter) {

  public boolean limitZero() {
    return limit == 0;
  }

  /** A per-day or limit-0 violation: retrying within the day does not help. */
  public boolean sticky() {
    return limitZero() || dimension.perDay();
  }

  public Optional<Duration> retryDelay() {
    return Optional.ofNullable(retryAfter);
  }
}
