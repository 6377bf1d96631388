package io.catalogimage.api.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** Which failures a {@link RetriedOnLockConflict} operation runs again. */
class LostLockConflictTest {

  private final LostLockConflict predicate = new LostLockConflict();
  private final Method method = Object.class.getMethods()[0];
  private final PessimisticLockingFailureException deadlock =
      new PessimisticLockingFailureException(
          "UPDATE items", new SQLException("deadlock detected", "40P01"));

  @AfterEach
  void noTransaction() {
    TransactionSynchronizationManager.setActualTransactionActive(false);
  }

  @Test
  void aLostDeadlockIsRunAgainFromTheOutermostTransaction() {
    assertThat(predicate.shouldRetry(method, deadlock)).isTrue();
  }

  @Test
  void notInsideACallersTransactionWhichTheConflictAbortedToo() {
    TransactionSynchronizationManager.setActualTransactionActive(true);

    assertThat(predicate.shouldRetry(method, deadlock)).isFalse();
  }

  @Test
  void otherFailuresAreNotRunAgain() {
    assertThat(
            predicate.shouldRetry(
                method,
                new DataIntegrityViolationException(
                    "duplicate", new SQLException("duplicate key", "23505"))))
        .isFalse();
    assertThat(predicate.shouldRetry(method, new IllegalArgumentException("bad input"))).isFalse();
  }
}
