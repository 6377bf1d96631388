package io.catalogimage.simulator.config;

import java.time.Duration;

/**
 * How the simulated Batch APIs (Gemini {@code batchGenerateContent}, OpenAI {@code /v1/batches})
 * behave. Every duration is simulated time: it is multiplied by the time scale and measured on the
 * simulator's clock, so a test moves the clock instead of waiting hours.
 *
 * @param turnaroundMin shortest turnaround of a job (uniform between min and max)
 * @param turnaroundMax longest turnaround of an ordinary job
 * @param tailShare share of jobs (0..1) that take {@code tailTurnaround} instead
 * @param tailTurnaround the turnaround of a tail job; past the window it expires with partial
 *     results
 * @param lineFailureRate probability (0..1) that one line fails inside a job that succeeds
 * @param geminiExpireAfter a Gemini job still running after this expires (reference §3.1: ❓ 48 h)
 * @param openAiWindow OpenAI's completion window ("24h"): unfinished lines expire after it
 */
public record BatchSettings(
    Duration turnaroundMin,
    Duration turnaroundMax,
    double tailShare,
    Duration tailTurnaround,
    double lineFailureRate,
    Duration geminiExpireAfter,
    Duration openAiWindow) {

  public BatchSettings {
    if (turnaroundMin == null
        || turnaroundMax == null
        || tailTurnaround == null
        || geminiExpireAfter == null
        || openAiWindow == null) {
      throw new IllegalArgumentException("batch: every duration is required");
    }
    if (turnaroundMin.isNegative() || turnaroundMax.compareTo(turnaroundMin) < 0) {
      throw new IllegalArgumentException(
          "batch: need 0 <= turnaroundMin <= turnaroundMax: "
              + turnaroundMin
              + ", "
              + turnaroundMax);
    }
    if (!(tailShare >= 0 && tailShare <= 1) || !(lineFailureRate >= 0 && lineFailureRate <= 1)) {
      throw new IllegalArgumentException(
          "batch: tailShare and lineFailureRate must be in 0..1: "
              + tailShare
              + ", "
              + lineFailureRate);
    }
    if (tailTurnaround.isNegative()
        || geminiExpireAfter.isNegative()
        || geminiExpireAfter.isZero()
        || openAiWindow.isNegative()
        || openAiWindow.isZero()) {
      throw new IllegalArgumentException("batch: tailTurnaround >= 0, expiry windows > 0");
    }
  }

  /**
   * 10 minutes to 4 hours ("in the majority of cases much quicker" than 24 h), 2% of jobs at 30 h
   * (past OpenAI's window: they expire with partial results), 0.5% of lines failing.
   */
  public static BatchSettings standard() {
    return new BatchSettings(
        Duration.ofMinutes(10),
        Duration.ofHours(4),
        0.02,
        Duration.ofHours(30),
        0.005,
        Duration.ofHours(48),
        Duration.ofHours(24));
  }

  public BatchSettings withTurnaround(Duration min, Duration max) {
    return new BatchSettings(
        min, max, tailShare, tailTurnaround, lineFailureRate, geminiExpireAfter, openAiWindow);
  }

  public BatchSettings withTail(double share, Duration turnaround) {
    return new BatchSettings(
        turnaroundMin,
        turnaroundMax,
        share,
        turnaround,
        lineFailureRate,
        geminiExpireAfter,
        openAiWindow);
  }

  public BatchSettings withLineFailureRate(double rate) {
    return new BatchSettings(
        turnaroundMin,
        turnaroundMax,
        tailShare,
        tailTurnaround,
        rate,
        geminiExpireAfter,
        openAiWindow);
  }
}
