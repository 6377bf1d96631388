package io.catalogimage.api.problem;

import org.springframework.http.HttpStatus;

/**
 * A request whose transaction PostgreSQL rolled back to break a lock cycle with another writer (a
 * worker settling calls of the same batch), on every try ({@link
 * io.catalogimage.common.db.LockConflicts}): nothing of it was applied, and the same request sent
 * again succeeds. Answered {@code 503} with a short {@code Retry-After}, never {@code 500}.
 */
public final class LockConflictProblem {

  public static final int RETRY_AFTER_SECONDS = 1;

  private LockConflictProblem() {}

  public static ApiProblem problem() {
    return new ApiProblem(
            HttpStatus.SERVICE_UNAVAILABLE,
            ProblemTypes.SERVICE_UNAVAILABLE,
            "Service unavailable",
            "the request met concurrent changes to the same rows and was rolled back whole:"
                + " nothing of it was applied; retry after "
                + RETRY_AFTER_SECONDS
                + " second (a submission retried with its Idempotency-Key never makes a second"
                + " batch)")
        .header("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
  }
}
