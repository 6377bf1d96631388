package io.catalogimage.common.db;

import java.sql.SQLException;
import java.util.function.Supplier;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Failures by which PostgreSQL rolled a statement (and its transaction) back to settle a lock
 * conflict with another writer: nothing of it was applied, and running it again may succeed.
 */
public final class LockConflicts {

  private LockConflicts() {}

  /**
   * True when {@code failure} or a cause is a deadlock (40P01), a serialization failure (40001) or
   * a lock wait given up (55P03), however Spring translated it (a plain {@code JdbcTemplate} leaves
   * 55P03 uncategorised).
   */
  public static boolean lost(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConcurrencyFailureException) {
        return true;
      }
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        if ("40P01".equals(state) || "40001".equals(state) || "55P03".equals(state)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Runs {@code statement}, one statement in autocommit, again while PostgreSQL rolls it back to
   * settle a lock conflict, up to {@code tries} runs in all: a rolled-back run wrote nothing.
   * Inside a caller's transaction it runs once, since the conflict aborted that transaction too
   * (the caller retries the whole).
   */
  public static <T> T retried(int tries, Supplier<T> statement) {
    for (int run = 1; ; run++) {
      try {
        return statement.get();
      } catch (RuntimeException e) {
        if (run >= tries
            || !lost(e)
            || TransactionSynchronizationManager.isActualTransactionActive()) {
          throw e;
        }
      }
    }
  }
}
