package io.catalogimage.api.intake;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How intake chooses the batch lane ({@code pipeline.batch-choice.*}): the providers' Batch APIs at
 * half price when the deadline leaves room for their turnaround and a real-time fallback.
 *
 * @param byDeadline choose the batch lane for {@code bulk} and {@code scheduled} batches whose
 *     deadline leaves room (default true); {@code lane: batch} and {@code lane: cost-priority} are
 *     honoured either way
 * @param defaultTurnaround the turnaround assumed until a model has {@code minJobs} measured jobs
 *     (default 24h, the providers' window)
 * @param minJobs measured jobs a model needs before its p90 replaces the default (default 3)
 * @param realTimeReserve time kept before the deadline for running a late job's items in real time
 *     (default 1h; keep it equal to the worker's {@code pipeline.batch-lane.fallback-reserve})
 * @param margin kept free on top (default 30m)
 */
@ConfigurationProperties("pipeline.batch-choice")
public record BatchLaneChoiceProperties(
    Boolean byDeadline,
    Duration defaultTurnaround,
    Integer minJobs,
    Duration realTimeReserve,
    Duration margin) {

  public BatchLaneChoiceProperties {
    byDeadline = byDeadline == null || byDeadline;
    defaultTurnaround = defaultTurnaround == null ? Duration.ofHours(24) : defaultTurnaround;
    minJobs = minJobs == null ? 3 : minJobs;
    realTimeReserve = realTimeReserve == null ? Duration.ofHours(1) : realTimeReserve;
    margin = margin == null ? Duration.ofMinutes(30) : margin;
  }
}
