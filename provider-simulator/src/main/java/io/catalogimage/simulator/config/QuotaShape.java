package io.catalogimage.simulator.config;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * A per-minute quota that moves over time and that the caller is not told: what a provider grants
 * when its limits are "not guaranteed" (reference §2.4) and tighten at peak. The model's requests
 * and images per minute follow {@code rpm} times the shape's factor; the daily quota is unchanged.
 *
 * <ul>
 *   <li>{@code CONSTANT}: always {@code rpm};
 *   <li>{@code STEP}: {@code rpm x low} during the middle third of every period, {@code rpm} else
 *       (halving at 10:00 and recovering at 14:00, compressed);
 *   <li>{@code SAWTOOTH}: rises linearly from {@code rpm x low} to {@code rpm} over each period,
 *       then falls back at once.
 * </ul>
 *
 * @param rpm the full per-minute quota
 * @param low the factor at the bottom of a step or a sawtooth (default 0.5)
 * @param period the length of one step cycle or one tooth (default 9m)
 * @param since when the first period starts (simulator clock); null = when the simulator applies
 *     the shape (at start or {@code reconfigure}); a shape never applied counts from the epoch
 */
public record QuotaShape(Kind kind, long rpm, double low, Duration period, Instant since) {

  /** The shapes. */
  public enum Kind {
    CONSTANT,
    STEP,
    SAWTOOTH;

    public static Kind parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown quota shape '" + text + "': use constant, step or sawtooth", e);
      }
    }
  }

  public QuotaShape {
    if (kind == null) {
      throw new IllegalArgumentException("a quota shape needs a kind (constant, step, sawtooth)");
    }
    if (rpm < 1) {
      throw new IllegalArgumentException("a quota shape's rpm must be at least 1: " + rpm);
    }
    if (!(low > 0) || low > 1) {
      throw new IllegalArgumentException("a quota shape's low factor must be in (0, 1]: " + low);
    }
    if (period == null || period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("a quota shape's period must be positive");
    }
  }

  public static QuotaShape constant(long rpm) {
    return new QuotaShape(Kind.CONSTANT, rpm, 0.5, Duration.ofMinutes(9), null);
  }

  public static QuotaShape step(long rpm, double low, Duration period) {
    return new QuotaShape(Kind.STEP, rpm, low, period, null);
  }

  public static QuotaShape sawtooth(long rpm, double low, Duration period) {
    return new QuotaShape(Kind.SAWTOOTH, rpm, low, period, null);
  }

  /** The same shape with its first period starting at {@code start}. */
  public QuotaShape startingAt(Instant start) {
    return new QuotaShape(kind, rpm, low, period, start);
  }

  /** The per-minute quota at {@code now} (at least 1: a moving quota never becomes "limit: 0"). */
  public long rpmAt(Instant now) {
    return Math.max(1, (long) Math.floor(rpm * factor(now)));
  }

  /**
   * How many calls this quota grants from {@code from} to {@code to}: its per-minute rate
   * integrated over the time (a client that always keeps the 60 s window full gets this).
   */
  public double grantable(Instant from, Instant to) {
    double calls = 0;
    long step = 100;
    for (Instant t = from; t.isBefore(to); t = t.plusMillis(step)) {
      long slice = Math.min(step, Duration.between(t, to).toMillis());
      calls += rpmAt(t) * slice / 60_000.0;
    }
    return calls;
  }

  private double factor(Instant now) {
    if (kind == Kind.CONSTANT) {
      return 1.0;
    }
    long p = period.toMillis();
    long elapsed = since == null ? now.toEpochMilli() : Duration.between(since, now).toMillis();
    double x = Math.floorMod(elapsed, p) / (double) p;
    if (kind == Kind.STEP) {
      return x >= 1.0 / 3 && x < 2.0 / 3 ? low : 1.0;
    }
    return low + (1 - low) * x;
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(Locale.ROOT)
        + " "
        + rpm
        + "/min, low "
        + low
        + ", period "
        + Durations.format(period);
  }
}
