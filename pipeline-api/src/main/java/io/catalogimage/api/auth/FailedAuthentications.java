package io.catalogimage.api.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Failed authentications, counted per client address and per API key prefix (all addresses
 * together), each a token bucket of {@code N} per minute. Kept in memory of this api instance:
 * bounded Caffeine caches whose frequency-aware eviction keeps the entries that are hit often (an
 * address guessing keys) when a flood of new addresses arrives, instead of forgetting everyone.
 */
final class FailedAuthentications {

  /** Past the refill time an entry carries nothing a fresh bucket would not. */
  private static final Duration IDLE = Duration.ofMinutes(2);

  private final Cache<String, Bucket> byAddress;
  private final Cache<String, Bucket> byKey;
  private final int perAddress;
  private final int perKey;

  FailedAuthentications(SecurityProperties props) {
    this(props, null);
  }

  /** With an executor for Caffeine's upkeep: {@code Runnable::run} makes eviction immediate. */
  FailedAuthentications(SecurityProperties props, Executor upkeep) {
    this.perAddress = props.failedAuthPerMinute();
    this.perKey = props.failedAuthPerKeyPerMinute();
    this.byAddress = cache(props.trackedClients(), upkeep);
    this.byKey = cache(props.trackedClients(), upkeep);
  }

  private static Cache<String, Bucket> cache(int size, Executor upkeep) {
    Caffeine<Object, Object> builder =
        Caffeine.newBuilder().maximumSize(size).expireAfterAccess(IDLE);
    if (upkeep != null) {
      builder.executor(upkeep);
    }
    return builder.build();
  }

  /**
   * How long this address, or this key prefix (null for none), must wait; empty when it may try.
   */
  Optional<Duration> wait(String address, String keyPrefix) {
    Optional<Duration> wait = wait(byAddress.getIfPresent(address));
    if (wait.isEmpty() && keyPrefix != null) {
      wait = wait(byKey.getIfPresent(keyPrefix));
    }
    return wait;
  }

  /** Counts a failure against the address and, when the token had one, the key prefix. */
  void failed(String address, String keyPrefix) {
    byAddress.get(address, a -> bucket(perAddress)).tryConsume(1);
    if (keyPrefix != null) {
      byKey.get(keyPrefix, k -> bucket(perKey)).tryConsume(1);
    }
  }

  /** Addresses remembered now (after pending evictions), for tests and metrics. */
  long trackedAddresses() {
    byAddress.cleanUp();
    return byAddress.estimatedSize();
  }

  private static Optional<Duration> wait(Bucket bucket) {
    if (bucket == null || bucket.getAvailableTokens() > 0) {
      return Optional.empty();
    }
    long nanos = bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill();
    return Optional.of(Duration.ofNanos(Math.max(nanos, 1)));
  }

  private static Bucket bucket(int perMinute) {
    return Bucket.builder()
        .addLimit(
            Bandwidth.builder()
                .capacity(perMinute)
                .refillGreedy(perMinute, Duration.ofMinutes(1))
                .build())
        .build();
  }
}
