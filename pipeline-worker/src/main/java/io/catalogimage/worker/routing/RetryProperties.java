package io.catalogimage.worker.routing;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Bounded retries with jittered exponential backoff.
 *
 * @param maxAttempts provider calls per item before it fails for good (default 5)
 * @param backoffBase wait before the first retry, doubled each time (default 2s)
 * @param backoffMax longest wait between retries (default 5m)
 */
@ConfigurationProperties("pipeline.retry")
public record RetryProperties(Integer maxAttempts, Duration backoffBase, Duration backoffMax) {

  public RetryProperties {
    maxAttempts = maxAttempts == null ? 5 : maxAttempts;
    backoffBase = backoffBase == null ? Duration.ofSeconds(2) : backoffBase;
    backoffMax = backoffMax == null ? Duration.ofMinutes(5) : backoffMax;
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("pipeline.retry.max-attempts must be at least 1");
    }
  }
}
