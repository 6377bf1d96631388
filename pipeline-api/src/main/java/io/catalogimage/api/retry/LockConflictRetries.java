package io.catalogimage.api.retry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.resilience.retry.MethodRetryEvent;
import org.springframework.stereotype.Component;

/**
 * Counts and logs the tries {@link RetriedOnLockConflict} makes: a steady rate says two writers
 * take the same rows in opposite orders often enough to be worth reordering.
 */
@Component
class LockConflictRetries {

  private static final Logger log = LoggerFactory.getLogger(LockConflictRetries.class);

  private final MeterRegistry meters;

  LockConflictRetries(MeterRegistry meters) {
    this.meters = meters;
  }

  @EventListener
  void onRetry(MethodRetryEvent event) {
    String operation =
        event.getMethod().getDeclaringClass().getSimpleName() + "." + event.getMethod().getName();
    boolean gaveUp = event.isRetryAborted();
    Counter.builder("pipeline.api.lock_conflict_retries")
        .description("api transactions rolled back by a lock conflict: tried again, or given up")
        .tag("operation", operation)
        .tag("outcome", gaveUp ? "gave_up" : "retried")
        .register(meters)
        .increment();
    if (gaveUp) {
      log.warn("{} lost lock conflicts on every try; answered 503", operation);
    } else {
      log.info("{} lost a lock conflict, tried again: {}", operation, rootMessage(event));
    }
  }

  private static String rootMessage(MethodRetryEvent event) {
    Throwable t = event.getFailure();
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage().lines().findFirst().orElse("");
  }
}
