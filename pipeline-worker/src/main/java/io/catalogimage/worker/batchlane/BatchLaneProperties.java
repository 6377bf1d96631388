package io.catalogimage.worker.batchlane;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The batch lane ({@code pipeline.batch-lane.*}): items in the {@code batch} lane go out in the
 * providers' Batch APIs at half price and fall back to real time at their job's latest safe moment.
 *
 * @param enabled pack and poll provider jobs in this worker (default true)
 * @param packEvery how often due batch-lane items are packed into jobs (default 30s)
 * @param pollEvery how often an open job is polled (default 60s; the cookbook polls every 30 s)
 * @param maxLinesPerJob lines per job, within the provider's own limit (default 1000)
 * @param fallbackLane the real-time lane items fall back to (default interactive)
 * @param fallbackReserve time kept before a deadline for running a late job's items in real time
 *     (default 1h): the latest safe moment is {@code deadline - fallbackReserve}
 * @param windowWithoutDeadline latest safe moment of a job whose items have no deadline, after its
 *     submit (default 26h: past the providers' 24 h window, so expiry comes first)
 * @param jobLease how long a worker holds a job it polls; a dead worker's jobs are taken over after
 *     it (default 5m)
 * @param geminiInlineLimitBytes Gemini jobs up to this size go inline, larger ones as a JSONL file
 *     (default 15 MB; the API's limit is 20 MB)
 */
@ConfigurationProperties("pipeline.batch-lane")
public record BatchLaneProperties(
    Boolean enabled,
    Duration packEvery,
    Duration pollEvery,
    Integer maxLinesPerJob,
    String fallbackLane,
    Duration fallbackReserve,
    Duration windowWithoutDeadline,
    Duration jobLease,
    Long geminiInlineLimitBytes) {

  public BatchLaneProperties {
    enabled = enabled == null || enabled;
    packEvery = packEvery == null ? Duration.ofSeconds(30) : packEvery;
    pollEvery = pollEvery == null ? Duration.ofSeconds(60) : pollEvery;
    maxLinesPerJob = maxLinesPerJob == null ? 1000 : maxLinesPerJob;
    fallbackLane = fallbackLane == null ? "interactive" : fallbackLane;
    fallbackReserve = fallbackReserve == null ? Duration.ofHours(1) : fallbackReserve;
    windowWithoutDeadline =
        windowWithoutDeadline == null ? Duration.ofHours(26) : windowWithoutDeadline;
    jobLease = jobLease == null ? Duration.ofMinutes(5) : jobLease;
    geminiInlineLimitBytes =
        geminiInlineLimitBytes == null ? 15L * 1024 * 1024 : geminiInlineLimitBytes;
    if (maxLinesPerJob < 1 || fallbackLane.isBlank() || fallbackLane.equals("batch")) {
      throw new IllegalArgumentException(
          "pipeline.batch-lane: max-lines-per-job >= 1 and a real-time fallback-lane are required");
    }
    if (packEvery.isNegative()
        || packEvery.isZero()
        || pollEvery.isNegative()
        || pollEvery.isZero()) {
      throw new IllegalArgumentException("pipeline.batch-lane: pack-every and poll-every > 0");
    }
  }
}
