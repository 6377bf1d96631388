package io.catalogimage.api.retry;

import io.catalogimage.common.db.LockConflicts;
import java.lang.reflect.Method;
import org.springframework.resilience.retry.MethodRetryPredicate;

/** Retries what PostgreSQL rolled back to settle a lock conflict, and nothing else. */
public final class LostLockConflict implements MethodRetryPredicate {

  @Override
  public boolean shouldRetry(Method method, Throwable failure) {
    return LockConflicts.lost(failure);
  }
}
