package io.catalogimage.common.db;

/**
 * PostgreSQL advisory locks that a change of a cost cap holds until it commits: the api's change
 * takes its lock exclusively, first thing in its transaction; a worker that has just stopped an
 * item at a cap waits for it shared, in a statement of its own, before it reads the cap again.
 * Advisory, not a row lock: the worker holds nothing while it waits, and its wait never joins a
 * lock cycle (a shared row lock on the batch did, through the row's waiting queue).
 */
public final class CapChangeLocks {

  /** Lock class of a batch's cap (the first key of the two-key form). */
  public static final int BATCH_CLASS = 170_001;

  /** Lock class of a tenant's monthly cap. */
  public static final int TENANT_CLASS = 170_002;

  /** Held by a change of batch {@code :batch}'s cap until its transaction ends. */
  public static final String LOCK_BATCH =
      "SELECT pg_advisory_xact_lock(" + BATCH_CLASS + ", hashtext(CAST(:batch AS text)))";

  /** Held by a change of tenant {@code :tenant}'s monthly cap until its transaction ends. */
  public static final String LOCK_TENANT =
      "SELECT pg_advisory_xact_lock(" + TENANT_CLASS + ", hashtext(CAST(:tenant AS text)))";

  /**
   * Waits until no change of batch {@code :batch}'s cap nor of tenant {@code :tenant}'s is under
   * way, for at most {@code :wait} (a PostgreSQL interval such as {@code '60s'}; then it fails with
   * 55P03, lock not available). Run outside a transaction: the shared locks and the bound go with
   * the statement (the bound is set in a subquery, which is run before the locks are asked for).
   */
  public static final String AWAIT_CHANGES =
      "SELECT pg_advisory_xact_lock_shared("
          + BATCH_CLASS
          + ", hashtext(CAST(:batch AS text))), pg_advisory_xact_lock_shared("
          + TENANT_CLASS
          + ", hashtext(CAST(:tenant AS text)))"
          + " FROM (SELECT set_config('lock_timeout', CAST(:wait AS text), true)) AS bounded";

  private CapChangeLocks() {}
}
