package io.catalogimage.worker.ledger;

import io.catalogimage.common.db.LockConflicts;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.pricing.SpendMonth;
import io.catalogimage.worker.claim.ClaimedItem;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Money is a budget too (DESIGN.md decision 7): a call's estimated cost is reserved against the
 * batch's cap and the tenant's monthly cap before it is made, and settled to the actual cost after,
 * so a cap is never overshot by more than the calls already in flight. Items without caps touch
 * neither row.
 */
@Component
public class CapReservations {

  private static final Logger log = LoggerFactory.getLogger(CapReservations.class);

  /** Tries of a begin that PostgreSQL rolled back to break a lock cycle. */
  static final int BEGIN_TRIES = 3;

  /** What was reserved for one call, to settle or give back. */
  public record Reservation(
      ClaimedItem item, BigDecimal amount, boolean batch, String tenantMonth) {}

  /** The answer: a reservation, or why there is no room. */
  public sealed interface Answer {}

  public record Reserved(Reservation reservation) implements Answer {}

  public record Refused(String reason) implements Answer {}

  private final Ledger ledger;

  public CapReservations(Ledger ledger) {
    this.ledger = ledger;
  }

  public Answer reserve(ClaimedItem item, BigDecimal amount, Instant now) {
    String month = null;
    if (item.tenantMonthlyCapUsd() != null) {
      month = SpendMonth.of(now).toString();
      if (!ledger.reserveUnderTenantCap(
          item.id(), item.batch(), item.tenant(), month, amount, item.tenantMonthlyCapUsd())) {
        return new Refused(
            "the tenant's monthly cost cap of $"
                + item.tenantMonthlyCapUsd().toPlainString()
                + " has no room in "
                + month
                + " for this call (estimated $"
                + amount.toPlainString()
                + "); raise the cap to resume");
      }
    }
    boolean batch = item.costCapUsd() != null;
    if (batch && !ledger.reserveUnderCap(item.id(), item.batch(), amount, month != null)) {
      if (month != null) {
        ledger.adjustTenantCommitted(item.tenant(), month, amount.negate());
        ledger.unhold(item.id());
      }
      return new Refused(
          "the batch's cost cap of $"
              + item.costCapUsd().toPlainString()
              + " has no room for this call (estimated $"
              + amount.toPlainString()
              + "); raise the cap to resume");
    }
    return new Reserved(new Reservation(item, amount, batch, month));
  }

  /**
   * Ends a held item CAP_REACHED, refused room for {@code amount}. A cap raised meanwhile resumed
   * the CAP_REACHED items it found, and missed this one if the refusal came before the raise and
   * this move after: so once any cap change under way has committed, the item is queued again if
   * the caps now have room. True when it stays CAP_REACHED. Outside a transaction only (the move
   * must be committed before the caps are read again; within one, no second look is taken).
   */
  public boolean stopAtCap(
      ItemRepository.Held held, ClaimedItem item, Refused refused, BigDecimal amount, Instant now) {
    if (!ledger.finishAtCap(held, refused.reason(), now)) {
      return false; // no longer ours
    }
    if (!roomOnSecondLook(item, amount, now)) {
      return true;
    }
    boolean resumed =
        ledger.resumeCapped(
            held.item(),
            held.version() + 1,
            "resumed: its cost cap was raised as it was reached",
            now);
    if (resumed) {
      log.info("{} reached its cap as the cap was raised: queued again", held.item());
    }
    return !resumed;
  }

  /**
   * Ends an edit refused room for {@code amount}: the edit CAP_REACHED, the item SUCCEEDED again
   * with its image. The same second look as {@link #stopAtCap}: a cap raised between the refusal
   * and this move found no CAP_REACHED edit to run again, so once any cap change under way has
   * committed, the edit runs again if the caps now have room. True when it stays CAP_REACHED.
   */
  public boolean stopEditAtCap(
      ItemRepository.Held held, ClaimedItem item, Refused refused, BigDecimal amount, Instant now) {
    if (!ledger.endEditAtCap(held, item.edit().id(), refused.reason(), now)) {
      return false; // no longer ours
    }
    if (!roomOnSecondLook(item, amount, now)) {
      return true;
    }
    boolean resumed =
        ledger.resumeCappedEdit(
            item.tenant(),
            held.item(),
            "resumed: its cost cap was raised as it was reached (edit)",
            now);
    if (resumed) {
      log.info("the edit of {} reached its cap as the cap was raised: queued again", held.item());
    }
    return !resumed;
  }

  /**
   * The second look: once any cap change under way has committed, whether both caps have room for
   * {@code amount} now. Never within a transaction (the stop must be committed before the caps are
   * read again).
   */
  private boolean roomOnSecondLook(ClaimedItem item, BigDecimal amount, Instant now) {
    return !TransactionSynchronizationManager.isActualTransactionActive()
        && ledger.capsHaveRoom(item.batch(), item.tenant(), SpendMonth.of(now).toString(), amount);
  }

  /** The call was not made: the whole reservation comes back, and its hold goes. */
  public void release(Reservation r) {
    ledger.settleReservation(r, r.amount().negate());
    if (r.batch() || r.tenantMonth() != null) {
      ledger.unhold(r.item().id());
    }
  }

  /**
   * Records the call {@code r} was made for ({@link Ledger#begin}, with its amount reserved). When
   * no attempt is recorded the reservation comes back, so that the caps' committed spend never
   * keeps money for a call that was never made: the item is no longer held (empty), or every try
   * lost a lock conflict (PostgreSQL rolled the statement back: nothing was written). A begin that
   * failed otherwise keeps it: its connection may have broken after the commit, and a recorded
   * attempt is settled against its reservation by the reclaim.
   */
  public Optional<Integer> begin(
      ItemRepository.Held held,
      String endpoint,
      String model,
      Reservation r,
      String routed,
      String purpose,
      Instant now) {
    Optional<Integer> attempt;
    try {
      attempt =
          LockConflicts.retried(
              BEGIN_TRIES,
              () -> ledger.begin(held, endpoint, model, r.amount(), routed, purpose, now));
    } catch (RuntimeException e) {
      if (LockConflicts.lost(e) && !TransactionSynchronizationManager.isActualTransactionActive()) {
        release(r); // every run was rolled back: nothing recorded
      }
      throw e; // otherwise the outcome is unknown, or the caller's rollback takes the reservation
    }
    if (attempt.isEmpty()) {
      release(r);
    }
    return attempt;
  }

  /*
   * A call that was made is settled with the ledger (Ledger.settle), in the same transaction as
   * its attempt, so that a retried settle never adjusts the caps twice.
   */
}
