package io.catalogimage.api.dispatch;

import java.time.Duration;
import java.time.Instant;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How stored work moves to Kafka.
 *
 * @param pollInterval how often due items are looked for when nothing wakes the dispatcher (default
 *     250ms)
 * @param batchSize items published per transaction (default 500)
 * @param maxOutstandingPerLane items allowed on a lane's topic not yet taken by a worker; the rest
 *     wait in Postgres where priority and deferral still apply (default 5000)
 * @param redispatchAfter a dispatched item no worker took within this time is sent again (default
 *     30m; duplicates are harmless, a worker claims an item only once)
 * @param reclaimInterval how often expired leases are looked for (default 2s: a killed worker's
 *     items run elsewhere within the worker's lease plus this)
 * @param reclaimGraceAfterOutage after this api could not reach the database (or at its start), it
 *     reclaims no lease until it has reached it for this long, so that live workers first renew the
 *     leases that ran out while nobody could (default 30s; keep it above the workers'
 *     lease-duration plus lease-renew-interval)
 * @param sendTimeout how long to wait for Kafka to acknowledge a batch of records (default 15s)
 * @param peakDeadlineMargin work of a deferred lane still runs in a peak window when its batch's
 *     deadline falls before the window's end plus this margin (default 2h): waiting would risk it
 * @param capHoldSweepInterval how often the reclaim loop deletes the cap holds no recount counts
 *     any more, those of workers that died between booking a reservation and recording the call
 *     (default 10m)
 */
@ConfigurationProperties("pipeline.dispatch")
public record DispatchProperties(
    Duration pollInterval,
    Integer batchSize,
    Integer maxOutstandingPerLane,
    Duration redispatchAfter,
    Duration reclaimInterval,
    Duration sendTimeout,
    Duration peakDeadlineMargin,
    Duration reclaimGraceAfterOutage,
    Duration capHoldSweepInterval) {

  public DispatchProperties {
    pollInterval = pollInterval == null ? Duration.ofMillis(250) : pollInterval;
    batchSize = batchSize == null ? 500 : batchSize;
    maxOutstandingPerLane = maxOutstandingPerLane == null ? 5000 : maxOutstandingPerLane;
    redispatchAfter = redispatchAfter == null ? Duration.ofMinutes(30) : redispatchAfter;
    reclaimInterval = reclaimInterval == null ? Duration.ofSeconds(2) : reclaimInterval;
    reclaimGraceAfterOutage =
        reclaimGraceAfterOutage == null ? Duration.ofSeconds(30) : reclaimGraceAfterOutage;
    capHoldSweepInterval =
        capHoldSweepInterval == null ? Duration.ofMinutes(10) : capHoldSweepInterval;
    sendTimeout = sendTimeout == null ? Duration.ofSeconds(15) : sendTimeout;
    peakDeadlineMargin = peakDeadlineMargin == null ? Duration.ofHours(2) : peakDeadlineMargin;
    if (batchSize < 1 || maxOutstandingPerLane < 1) {
      throw new IllegalArgumentException(
          "pipeline.dispatch.batch-size and max-outstanding-per-lane must be at least 1");
    }
  }

  /**
   * The latest deadline that makes deferred work run inside a peak window ending at {@code end}.
   */
  public Instant urgentBefore(Instant peakEnd) {
    return peakEnd.plus(peakDeadlineMargin);
  }

  /** Whether a batch with this deadline may not wait for a peak window ending at {@code end}. */
  public boolean deadlineNeedsPeak(Instant deadline, Instant peakEnd) {
    return deadline != null && deadline.isBefore(urgentBefore(peakEnd));
  }
}
