package io.catalogimage.common.db;

import java.sql.SQLException;
import org.springframework.dao.ConcurrencyFailureException;

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
}
