package io.catalogimage.common.providerjob;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Batch lane or real time, for the items of one batch: the provider Batch APIs cost half but take
 * hours, so an item goes there only when its deadline leaves room for the provider's measured
 * turnaround <em>and</em>, should the job come back late, for running it in real time after all.
 * The latest safe moment is when that fallback must start.
 *
 * @param turnaround the provider's turnaround as measured for the model (p90), or its default
 * @param realTimeNeeded how long the items would take in real time (their share of the budgets)
 * @param margin kept free on top of both (scheduling, polling, storing)
 */
public record LaneChoice(Duration turnaround, Duration realTimeNeeded, Duration margin) {

  /**
   * The lane a submission asked for: none, the batch lane, or "cheapest that meets the deadline".
   */
  public enum Asked {
    NONE,
    BATCH,
    COST_PRIORITY
  }

  /**
   * The choice.
   *
   * @param batch true: submit to the provider's Batch API
   * @param latestSafe when the unfinished items must leave the job for real time (null: never, the
   *     job may take its whole window)
   * @param reason in words, for the item's note and the docs
   */
  public record Choice(boolean batch, Instant latestSafe, String reason) {}

  public LaneChoice {
    Objects.requireNonNull(turnaround, "turnaround");
    Objects.requireNonNull(realTimeNeeded, "realTimeNeeded");
    Objects.requireNonNull(margin, "margin");
  }

  /**
   * @param deadline the batch's deadline, or null
   * @param asked what the submission asked for
   */
  public Choice choose(Instant now, Instant deadline, Asked asked) {
    if (deadline == null) {
      return switch (asked) {
        case BATCH, COST_PRIORITY ->
            new Choice(true, null, "batch lane asked for; no deadline, so no fallback");
        case NONE -> new Choice(false, null, "no deadline and no batch lane asked for: real time");
      };
    }
    Instant latestSafe = deadline.minus(realTimeNeeded).minus(margin);
    if (!latestSafe.isAfter(now)) {
      return new Choice(false, null, "the deadline leaves no room for a provider job: real time");
    }
    if (asked == Asked.BATCH) {
      return new Choice(
          true, latestSafe, "batch lane asked for; falls back to real time at " + latestSafe);
    }
    Duration slack = Duration.between(now, deadline);
    Duration needed = turnaround.plus(realTimeNeeded).plus(margin);
    if (slack.compareTo(needed) >= 0) {
      return new Choice(
          true,
          latestSafe,
          "deadline in "
              + hours(slack)
              + " leaves room for the batch turnaround ("
              + hours(turnaround)
              + ") and a real-time fallback ("
              + hours(realTimeNeeded.plus(margin))
              + ")");
    }
    return new Choice(
        false,
        null,
        "deadline in "
            + hours(slack)
            + " is shorter than the batch turnaround plus a fallback ("
            + hours(needed)
            + "): real time");
  }

  private static String hours(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f h", d.toMinutes() / 60.0);
  }
}
