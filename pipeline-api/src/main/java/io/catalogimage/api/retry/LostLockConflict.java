package io.catalogimage.api.retry;

import io.catalogimage.common.db.LockConflicts;
import java.lang.reflect.Method;
import org.springframework.resilience.retry.MethodRetryPredicate;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Retries what PostgreSQL rolled back to settle a lock conflict, and nothing else; and only at the
 * outermost transaction: called inside a caller's transaction, which the conflict aborted too, a
 * try would fail at its first statement, so the caller's own retry runs the whole again.
 */
public final class LostLockConflict implements MethodRetryPredicate {

  @Override
  public boolean shouldRetry(Method method, Throwable failure) {
    return LockConflicts.lost(failure)
        && !TransactionSynchronizationManager.isActualTransactionActive();
  }
}
