package io.catalogimage.worker;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.UUID;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * One worker process.
 *
 * @param id name in leases and the ledger (default host-pid-random)
 * @param groupId Kafka consumer group shared by all workers (default catalog-image-workers)
 * @param maxInFlight provider calls one worker holds at once; consumption pauses at this many
 *     (default 512)
 * @param leaseDuration how long a claim holds without renewal; a killed worker's items return after
 *     at most this long plus the api's reclaim interval (default 20s: back within 30s of a kill -9,
 *     while a live worker, however slow its calls, renews 4 times per lease)
 * @param leaseRenewInterval how often held leases are renewed (default 5s)
 * @param ioThreads threads for object storage and database work after a call (default 4 per CPU
 *     core: the work is short blocking I/O, and more threads only contend for the cores; measured
 *     on 2 cores, 8 threads stored 20-30% more items per second than 16)
 * @param shutdownGrace how long a stopping worker waits for its calls in flight (default 30s)
 */
@ConfigurationProperties("pipeline.worker")
public record WorkerProperties(
    String id,
    String groupId,
    Integer maxInFlight,
    Duration leaseDuration,
    Duration leaseRenewInterval,
    Integer ioThreads,
    Duration shutdownGrace) {

  /** Calls in flight when {@code max-in-flight} is not set. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 512;

  public WorkerProperties {
    id =
        id == null || id.isBlank()
            ? ManagementFactory.getRuntimeMXBean().getName()
                + "-"
                + UUID.randomUUID().toString().substring(0, 8)
            : id;
    groupId = groupId == null || groupId.isBlank() ? "catalog-image-workers" : groupId;
    maxInFlight = maxInFlight == null ? DEFAULT_MAX_IN_FLIGHT : maxInFlight;
    leaseDuration = leaseDuration == null ? Duration.ofSeconds(20) : leaseDuration;
    leaseRenewInterval = leaseRenewInterval == null ? Duration.ofSeconds(5) : leaseRenewInterval;
    ioThreads =
        ioThreads == null ? Math.max(4, 4 * Runtime.getRuntime().availableProcessors()) : ioThreads;
    shutdownGrace = shutdownGrace == null ? Duration.ofSeconds(30) : shutdownGrace;
    if (maxInFlight < 1 || ioThreads < 1) {
      throw new IllegalArgumentException(
          "pipeline.worker.max-in-flight and io-threads must be at least 1");
    }
    if (leaseRenewInterval.compareTo(leaseDuration) >= 0) {
      throw new IllegalArgumentException(
          "pipeline.worker.lease-renew-interval must be shorter than lease-duration");
    }
  }
}
