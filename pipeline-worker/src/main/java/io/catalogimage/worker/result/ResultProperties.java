package io.catalogimage.worker.result;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * What a worker does with a finished image it cannot store or record yet (object storage or the
 * database unavailable): it keeps it and tries again, instead of paying for it again.
 *
 * @param memory images waiting to be stored are kept in memory up to this much in all; more are
 *     spooled to {@code spool-dir} (default 256MB)
 * @param spoolDir where images that do not fit in memory wait (default the system temporary
 *     directory's {@code catalog-image-spool}); emptied as they are stored
 * @param retryBackoffMax longest wait between two tries of a PUT or a settle (default 30s; the
 *     first waits 250ms and each doubles)
 * @param giveUpStoringAfter a PUT that keeps failing this long (a store refusing the object for
 *     good) ends the item FAILED with error type STORAGE, without another provider call (default
 *     15m)
 */
@ConfigurationProperties("pipeline.results")
public record ResultProperties(
    DataSize memory, Path spoolDir, Duration retryBackoffMax, Duration giveUpStoringAfter) {

  public ResultProperties {
    memory = memory == null ? DataSize.ofMegabytes(256) : memory;
    spoolDir =
        spoolDir == null
            ? Path.of(System.getProperty("java.io.tmpdir"), "catalog-image-spool")
            : spoolDir;
    retryBackoffMax = retryBackoffMax == null ? Duration.ofSeconds(30) : retryBackoffMax;
    giveUpStoringAfter = giveUpStoringAfter == null ? Duration.ofMinutes(15) : giveUpStoringAfter;
    if (retryBackoffMax.toMillis() < 250 || giveUpStoringAfter.isNegative()) {
      throw new IllegalArgumentException(
          "pipeline.results.retry-backoff-max must be at least 250ms and give-up-storing-after"
              + " not negative");
    }
  }

  public static ResultProperties defaults() {
    return new ResultProperties(null, null, null, null);
  }

  /** The wait before try number {@code tries} + 1: 250ms doubling up to the maximum. */
  public Duration backoff(int tries) {
    long ms = 250L << Math.min(16, Math.max(0, tries - 1));
    return Duration.ofMillis(Math.min(ms, retryBackoffMax.toMillis()));
  }
}
