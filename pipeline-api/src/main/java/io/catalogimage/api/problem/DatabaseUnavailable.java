package io.catalogimage.api.problem;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

/**
 * Tells the database being out of reach from every other failure: such a request is not the
 * client's fault nor a bug, and is answered {@code 503} with {@code Retry-After} so that clients
 * retry instead of giving up on a {@code 500}.
 */
public final class DatabaseUnavailable {

  /** Seconds a client is told to wait: a restarting PostgreSQL is back within a few. */
  public static final int RETRY_AFTER_SECONDS = 5;

  private DatabaseUnavailable() {}

  /** True when {@code failure} or one of its causes says the database cannot be reached. */
  public static boolean causedBy(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CannotGetJdbcConnectionException
          || t instanceof DataAccessResourceFailureException
          || t instanceof TransientDataAccessResourceException
          || t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException sql && connectionLost(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /** SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutdown, cannot connect now). */
  private static boolean connectionLost(String state) {
    return state != null
        && (state.startsWith("08")
            || state.equals("57P01")
            || state.equals("57P02")
            || state.equals("57P03"));
  }

  /** The problem to answer with. */
  public static ApiProblem problem() {
    return new ApiProblem(
            org.springframework.http.HttpStatus.SERVICE_UNAVAILABLE,
            ProblemTypes.SERVICE_UNAVAILABLE,
            "Service unavailable",
            "the database cannot be reached right now; retry after "
                + RETRY_AFTER_SECONDS
                + " seconds (a submission retried with its Idempotency-Key never makes a second"
                + " batch)")
        .header("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
  }
}
