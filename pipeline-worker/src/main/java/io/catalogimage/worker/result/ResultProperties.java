package io.catalogimage.worker.result;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.util.unit.DataSize;

/**
 * Where a worker keeps the images it receives until they are stored, how much of them it may hold,
 * and what it does with a finished image it cannot store or record yet (object storage or the
 * database unavailable): it keeps it and tries again, instead of paying for it again.
 *
 * @param memory images being received or waiting to be stored are kept in memory up to this much in
 *     all; the others go to {@code spool-dir} as they are decoded (default 64MB)
 * @param spoolDir where images that do not fit in memory wait (default the system temporary
 *     directory's {@code catalog-image-spool}); emptied as they are stored
 * @param retryBackoffMax longest wait between two tries of a PUT or a settle (default 30s; the
 *     first waits 250ms and each doubles)
 * @param giveUpStoringAfter a PUT that keeps failing this long (a store refusing the object for
 *     good) ends the item FAILED with error type STORAGE, without another provider call (default
 *     15m)
 * @param memoryPerImage an image larger than this never stays in memory: it is decoded to a file
 *     (default 8MB: a 2K PNG may stay in memory, a 4K one never does)
 * @param pendingLimit the byte budget: when images being received and waiting to be stored (memory
 *     and disk) add up to this, the worker starts no new provider call until storing catches up
 *     (default 1GB)
 */
@ConfigurationProperties("pipeline.results")
public record ResultProperties(
    DataSize memory,
    Path spoolDir,
    Duration retryBackoffMax,
    Duration giveUpStoringAfter,
    DataSize memoryPerImage,
    DataSize pendingLimit) {

  @ConstructorBinding
  public ResultProperties {
    memory = memory == null ? DataSize.ofMegabytes(64) : memory;
    spoolDir =
        spoolDir == null
            ? Path.of(System.getProperty("java.io.tmpdir"), "catalog-image-spool")
            : spoolDir;
    retryBackoffMax = retryBackoffMax == null ? Duration.ofSeconds(30) : retryBackoffMax;
    giveUpStoringAfter = giveUpStoringAfter == null ? Duration.ofMinutes(15) : giveUpStoringAfter;
    memoryPerImage = memoryPerImage == null ? DataSize.ofMegabytes(8) : memoryPerImage;
    pendingLimit = pendingLimit == null ? DataSize.ofGigabytes(1) : pendingLimit;
    if (retryBackoffMax.toMillis() < 250 || giveUpStoringAfter.isNegative()) {
      throw new IllegalArgumentException(
          "pipeline.results.retry-backoff-max must be at least 250ms and give-up-storing-after"
              + " not negative");
    }
    if (memory.isNegative() || memoryPerImage.isNegative() || pendingLimit.toBytes() < 1) {
      throw new IllegalArgumentException(
          "pipeline.results.memory and memory-per-image must not be negative, pending-limit must"
              + " be positive");
    }
  }

  public ResultProperties(
      DataSize memory, Path spoolDir, Duration retryBackoffMax, Duration giveUpStoringAfter) {
    this(memory, spoolDir, retryBackoffMax, giveUpStoringAfter, null, null);
  }

  public static ResultProperties defaults() {
    return new ResultProperties(null, null, null, null, null, null);
  }

  /** The wait before try number {@code tries} + 1: 250ms doubling up to the maximum. */
  public Duration backoff(int tries) {
    long ms = 250L << Math.min(16, Math.max(0, tries - 1));
    return Duration.ofMillis(Math.min(ms, retryBackoffMax.toMillis()));
  }
}
