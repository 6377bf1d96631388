package io.catalogimage.api.webhook;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Webhook delivery ({@code pipeline.webhooks}).
 *
 * @param retrySchedule waits between attempts after the first (default the Standard Webhooks
 *     schedule: 5s, 5m, 30m, 2h, 5h, 10h, 10h, about 28 hours in all); after the last the event is
 *     FAILED
 * @param timeout for connecting and for the receiver's answer (default 10s)
 * @param concurrency deliveries in flight per api instance (default 8)
 * @param allowPrivateAddresses deliver to loopback, link-local and private addresses too (default
 *     false: a callback URL must not reach our internal network); for tests and local runs
 * @param allowHttp accept plain {@code http://} callback URLs (default false: https only)
 * @param budgetThresholds shares of a cost cap that send {@code budget.threshold} when committed
 *     spend reaches them (default 0.8 and 1.0)
 * @param watchInterval how often open batches are checked for deadline risk and budget thresholds
 *     (default 5s)
 * @param pollInterval how often due deliveries are looked for when idle (default 500ms)
 * @param secretOverlap how long a rotated-out secret goes on signing next to the new one (default
 *     24h)
 */
@ConfigurationProperties("pipeline.webhooks")
public record WebhookProperties(
    List<Duration> retrySchedule,
    Duration timeout,
    Integer concurrency,
    Boolean allowPrivateAddresses,
    Boolean allowHttp,
    List<Double> budgetThresholds,
    Duration watchInterval,
    Duration pollInterval,
    Duration secretOverlap) {

  public WebhookProperties {
    retrySchedule =
        retrySchedule == null
            ? List.of(
                Duration.ofSeconds(5),
                Duration.ofMinutes(5),
                Duration.ofMinutes(30),
                Duration.ofHours(2),
                Duration.ofHours(5),
                Duration.ofHours(10),
                Duration.ofHours(10))
            : List.copyOf(retrySchedule);
    timeout = timeout == null ? Duration.ofSeconds(10) : timeout;
    concurrency = concurrency == null ? 8 : concurrency;
    allowPrivateAddresses = allowPrivateAddresses != null && allowPrivateAddresses;
    allowHttp = allowHttp != null && allowHttp;
    budgetThresholds = budgetThresholds == null ? List.of(0.8, 1.0) : List.copyOf(budgetThresholds);
    watchInterval = watchInterval == null ? Duration.ofSeconds(5) : watchInterval;
    pollInterval = pollInterval == null ? Duration.ofMillis(500) : pollInterval;
    secretOverlap = secretOverlap == null ? Duration.ofHours(24) : secretOverlap;
    if (concurrency < 1) {
      throw new IllegalArgumentException("pipeline.webhooks.concurrency must be at least 1");
    }
    for (double t : budgetThresholds) {
      if (t <= 0 || t > 1) {
        throw new IllegalArgumentException(
            "pipeline.webhooks.budget-thresholds are shares of a cap in (0, 1]: " + t);
      }
    }
  }

  /** Attempts in all: the first and one per wait. */
  int maxAttempts() {
    return retrySchedule.size() + 1;
  }
}
