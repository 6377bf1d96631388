package io.catalogimage.common.db;

/**
 * The money a cap has committed, counted from the ledger, as a cap change recounts it: settled
 * costs, the reservations of calls in flight, and the reservations booked whose call is not in the
 * ledger yet (table {@code cap_holds}, V93). A worker books a reservation and its hold in one
 * statement, and writes the call's ledger row and drops the hold in another, so any snapshot counts
 * each reservation once: in a hold or in the ledger.
 */
public final class CommittedSpend {

  /**
   * Holds younger than this count: a booking is recorded or given back within milliseconds, so an
   * older hold was left by a worker that died in between, and the recount lets its money go.
   */
  private static final String FRESH = "h.held_at > now() - interval '10 minutes'";

  /**
   * Deletes the holds no recount counts any more. Without it a hold left by a worker that died
   * between booking and ledger row stays for good when its item never books again (its batch was
   * cancelled or finished), and the table only grows.
   */
  public static final String DROP_STALE_HOLDS = "DELETE FROM cap_holds h WHERE NOT (" + FRESH + ")";

  private static final String IN_LEDGER =
      "coalesce(sum(CASE WHEN a.outcome = 'IN_FLIGHT' THEN a.reserved_usd ELSE a.cost_usd END), 0)";

  /** Of the batch {@code b.batch_id} of the enclosing statement. */
  public static final String OF_BATCH =
      "((SELECT "
          + IN_LEDGER
          + " FROM attempts a WHERE a.batch_id = b.batch_id)"
          + " + (SELECT coalesce(sum(h.batch_usd), 0) FROM cap_holds h"
          + " WHERE h.batch_id = b.batch_id AND "
          + FRESH
          + "))";

  /**
   * Of tenant {@code :tenant}'s month {@code :month}, whose calls started in {@code [:from, :to)}.
   */
  public static final String OF_TENANT_MONTH =
      "((SELECT "
          + IN_LEDGER
          + " FROM attempts a WHERE a.tenant_id = :tenant AND a.started_at >= :from"
          + " AND a.started_at < :to)"
          + " + (SELECT coalesce(sum(h.tenant_usd), 0) FROM cap_holds h"
          + " WHERE h.tenant_id = :tenant AND h.month = :month AND "
          + FRESH
          + "))";

  private CommittedSpend() {}
}
