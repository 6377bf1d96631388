package io.catalogimage.common.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** Which failures are lost lock conflicts, and how often a statement that loses one runs. */
class LockConflictsTest {

  private final AtomicInteger runs = new AtomicInteger();

  @AfterEach
  void noTransaction() {
    TransactionSynchronizationManager.setActualTransactionActive(false);
  }

  @Test
  void deadlocksSerializationFailuresAndLockTimeoutsAreLostConflictsHoweverTranslated() {
    assertThat(LockConflicts.lost(deadlock())).isTrue();
    assertThat(LockConflicts.lost(new RuntimeException(new SQLException("x", "40001")))).isTrue();
    assertThat(
            LockConflicts.lost(
                new UncategorizedSQLException(
                    "begin", "INSERT", new SQLException("lock timeout", "55P03"))))
        .isTrue();
    assertThat(
            LockConflicts.lost(
                new DataIntegrityViolationException(
                    "duplicate", new SQLException("duplicate key", "23505"))))
        .isFalse();
  }

  @Test
  void aStatementThatLosesIsRunAgainUntilItWins() {
    int answer =
        LockConflicts.retried(
            3,
            () -> {
              if (runs.incrementAndGet() < 3) {
                throw deadlock();
              }
              return 42;
            });

    assertThat(answer).isEqualTo(42);
    assertThat(runs).hasValue(3);
  }

  @Test
  void aStatementThatKeepsLosingFailsAfterItsRuns() {
    assertThatThrownBy(() -> LockConflicts.retried(3, this::alwaysLoses))
        .isInstanceOf(PessimisticLockingFailureException.class);
    assertThat(runs).hasValue(3);
  }

  @Test
  void insideACallersTransactionItRunsOnce() {
    TransactionSynchronizationManager.setActualTransactionActive(true);

    assertThatThrownBy(() -> LockConflicts.retried(3, this::alwaysLoses))
        .isInstanceOf(PessimisticLockingFailureException.class);
    assertThat(runs).hasValue(1);
  }

  @Test
  void otherFailuresAreNotRunAgain() {
    assertThatThrownBy(
            () ->
                LockConflicts.retried(
                    3,
                    () -> {
                      runs.incrementAndGet();
                      throw new IllegalStateException("a bug");
                    }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(runs).hasValue(1);
  }

  private Integer alwaysLoses() {
    runs.incrementAndGet();
    throw deadlock();
  }

  private static PessimisticLockingFailureException deadlock() {
    return new PessimisticLockingFailureException(
        "UPDATE items", new SQLException("deadlock detected", "40P01"));
  }
}
