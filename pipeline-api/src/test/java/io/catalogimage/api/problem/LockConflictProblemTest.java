package io.catalogimage.api.problem;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.db.LockConflicts;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.UncategorizedSQLException;

/** A request that lost lock conflicts on every try is answered 503 with Retry-After, not 500. */
class LockConflictProblemTest {

  @Test
  void aLostDeadlockIsAnsweredServiceUnavailableWithRetryAfter() {
    ResponseEntity<ProblemDetail> answer =
        new ProblemHandler()
            .onUnexpected(
                new PessimisticLockingFailureException(
                    "UPDATE items", new SQLException("deadlock detected", "40P01")));

    assertThat(answer.getStatusCode().value()).isEqualTo(503);
    assertThat(answer.getHeaders().getFirst("Retry-After")).isEqualTo("1");
    assertThat(answer.getBody().getType()).isEqualTo(ProblemTypes.SERVICE_UNAVAILABLE);
    assertThat(answer.getBody().getDetail()).contains("nothing of it was applied");
  }

  @Test
  void everyLockConflictStateCountsEvenUntranslated() {
    assertThat(LockConflicts.lost(new RuntimeException(new SQLException("x", "40P01")))).isTrue();
    assertThat(LockConflicts.lost(new SQLException("serialization failure", "40001"))).isTrue();
    assertThat(LockConflicts.lost(new CannotAcquireLockException("lock not available"))).isTrue();
    assertThat(
            LockConflicts.lost(
                new UncategorizedSQLException(
                    "begin", "INSERT", new SQLException("lock timeout", "55P03"))))
        .isTrue();
  }

  @Test
  void otherDatabaseErrorsAreNotLockConflicts() {
    assertThat(
            LockConflicts.lost(
                new DataIntegrityViolationException(
                    "duplicate", new SQLException("duplicate key", "23505"))))
        .isFalse();
    assertThat(LockConflicts.lost(new IllegalStateException("bug"))).isFalse();
  }
}
