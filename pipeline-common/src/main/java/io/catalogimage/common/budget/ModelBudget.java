package io.catalogimage.common.budget;

import java.time.ZoneId;

/**
 * The limits of one model on one provider account. Any field left out takes the value of {@code
 * pipeline.budgets.defaults}; a limit left out there too means "no planned limit".
 *
 * @param requestsPerMinute calls per minute the account may make (the provider's RPM or IPM)
 * @param peakRequestsPerMinute the rate inside peak windows (default: requestsPerMinute)
 * @param requestsPerDay calls per day, counted from midnight in {@code resetZone}
 * @param resetZone where the daily quota's midnight is (default America/Los_Angeles, as Gemini)
 * @param maxInFlight calls to this model one worker holds at once (default: the worker's limit)
 * @param burst calls that may go back to back after a quiet spell (default 1: evenly spaced, so no
 *     60 s window ever holds more than the rate)
 */
public record ModelBudget(
    Integer requestsPerMinute,
    Integer peakRequestsPerMinute,
    Integer requestsPerDay,
    ZoneId resetZone,
    Integer maxInFlight,
    Integer burst) {

  public static final ZoneId PACIFIC = ZoneId.of("America/Los_Angeles");

  /** This budget with the blanks filled from {@code defaults}. */
  public ModelBudget over(ModelBudget defaults) {
    if (defaults == null) {
      return this;
    }
    return new ModelBudget(
        requestsPerMinute != null ? requestsPerMinute : defaults.requestsPerMinute,
        peakRequestsPerMinute != null ? peakRequestsPerMinute : defaults.peakRequestsPerMinute,
        requestsPerDay != null ? requestsPerDay : defaults.requestsPerDay,
        resetZone != null ? resetZone : defaults.resetZone,
        maxInFlight != null ? maxInFlight : defaults.maxInFlight,
        burst != null ? burst : defaults.burst);
  }

  /** The per-minute rate at this moment: the peak rate inside a peak window, if one is set. */
  public Integer rateAt(boolean peak) {
    return peak && peakRequestsPerMinute != null ? peakRequestsPerMinute : requestsPerMinute;
  }

  public ZoneId zone() {
    return resetZone == null ? PACIFIC : resetZone;
  }

  public int burstOrOne() {
    return burst == null || burst < 1 ? 1 : burst;
  }

  /** Whether anything is limited at all; an unlimited budget is never asked. */
  public boolean limited() {
    return requestsPerMinute != null || peakRequestsPerMinute != null || requestsPerDay != null;
  }

  public void validate(String where) {
    check(where + ".requests-per-minute", requestsPerMinute);
    check(where + ".peak-requests-per-minute", peakRequestsPerMinute);
    check(where + ".requests-per-day", requestsPerDay);
    check(where + ".max-in-flight", maxInFlight);
    check(where + ".burst", burst);
  }

  private static void check(String name, Integer value) {
    if (value != null && value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1 (leave it out for no limit)");
    }
  }
}
