package io.catalogimage.api.intake;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How intake chooses the batch lane ({@code pipeline.batch-choice.*}): the providers' Batch APIs at
 * half price when the deadline leaves room for their turnaround and a real-time fallback.
 *
 * @param byDeadline choose the batch lane for {@code bulk} and {@code scheduled} batches whose
 *     deadline leaves room (default true); {@code lane: batch} and {@code lane: cost-priority} are
 *     honoured either way
 * @param defaultTurnaround the turnaround assumed until a model has {@code minJobs} measured jobs
 *     (default 8h): a prior near the p90 of what practitioners report (Gemini image jobs in minutes
 *     to "a few hours", text jobs under load 8-9 h; OpenAI "30 minutes to a few hours"), well under
 *     the providers' 24 h window, so that a 12 h deadline uses the batch lane on a fresh install. A
 *     job slower than the prior still falls back to real time at its latest safe moment
 * @param turnarounds the prior per model id or per model family ({@code gemini}, {@code openai}),
 *     overriding {@code defaultTurnaround} for it (default none); a model id wins over its family
 * @param minJobs measured jobs a model needs before its p90 replaces the default (default 3)
 * @param realTimeReserve time kept before the deadline for running a late job's items in real time
 *     (default 1h; keep it equal to the worker's {@code pipeline.batch-lane.fallback-reserve})
 * @param margin kept free on top (default 30m)
 */
@ConfigurationProperties("pipeline.batch-choice")
public record BatchLaneChoiceProperties(
    Boolean byDeadline,
    Duration defaultTurnaround,
    Map<String, Duration> turnarounds,
    Integer minJobs,
    Duration realTimeReserve,
    Duration margin) {

  public BatchLaneChoiceProperties {
    byDeadline = byDeadline == null || byDeadline;
    defaultTurnaround = defaultTurnaround == null ? Duration.ofHours(8) : defaultTurnaround;
    turnarounds = turnarounds == null ? Map.of() : Map.copyOf(turnarounds);
    for (Map.Entry<String, Duration> e : turnarounds.entrySet()) {
      if (e.getValue().isNegative() || e.getValue().isZero()) {
        throw new IllegalArgumentException(
            "pipeline.batch-choice.turnarounds." + e.getKey() + " must be positive");
      }
    }
    if (defaultTurnaround.isNegative() || defaultTurnaround.isZero()) {
      throw new IllegalArgumentException("pipeline.batch-choice.default-turnaround must be > 0");
    }
    minJobs = minJobs == null ? 3 : minJobs;
    realTimeReserve = realTimeReserve == null ? Duration.ofHours(1) : realTimeReserve;
    margin = margin == null ? Duration.ofMinutes(30) : margin;
  }

  /** The turnaround assumed for a model until it has measured jobs of its own. */
  public Duration priorTurnaround(String model, String family) {
    Duration own = turnarounds.get(model);
    if (own != null) {
      return own;
    }
    return family == null ? defaultTurnaround : turnarounds.getOrDefault(family, defaultTurnaround);
  }
}
