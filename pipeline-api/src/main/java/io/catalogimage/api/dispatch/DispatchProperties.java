package io.catalogimage.api.dispatch;

import java.time.Duration;
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
 * @param reclaimInterval how often expired leases are looked for (default 5s)
 * @param sendTimeout how long to wait for Kafka to acknowledge a batch of records (default 15s)
 */
@ConfigurationProperties("pipeline.dispatch")
public record DispatchProperties(
    Duration pollInterval,
    Integer batchSize,
    Integer maxOutstandingPerLane,
    Duration redispatchAfter,
    Duration reclaimInterval,
    Duration sendTimeout) {

  public DispatchProperties {
    pollInterval = pollInterval == null ? Duration.ofMillis(250) : pollInterval;
    batchSize = batchSize == null ? 500 : batchSize;
    maxOutstandingPerLane = maxOutstandingPerLane == null ? 5000 : maxOutstandingPerLane;
    redispatchAfter = redispatchAfter == null ? Duration.ofMinutes(30) : redispatchAfter;
    reclaimInterval = reclaimInterval == null ? Duration.ofSeconds(5) : reclaimInterval;
    sendTimeout = sendTimeout == null ? Duration.ofSeconds(15) : sendTimeout;
    if (batchSize < 1 || maxOutstandingPerLane < 1) {
      throw new IllegalArgumentException(
          "pipeline.dispatch.batch-size and max-outstanding-per-lane must be at least 1");
    }
  }
}
