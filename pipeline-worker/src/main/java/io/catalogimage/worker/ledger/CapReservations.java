package io.catalogimage.worker.ledger;

import io.catalogimage.common.pricing.SpendMonth;
import io.catalogimage.worker.claim.ClaimedItem;
import java.math.BigDecimal;
import java.time.Instant;
import org.springframework.stereotype.Component;

/**
 * Money is a budget too (DESIGN.md decision 7): a call's estimated cost is reserved against the
 * batch's cap and the tenant's monthly cap before it is made, and settled to the actual cost after,
 * so a cap is never overshot by more than the calls already in flight. Items without caps touch
 * neither row.
 */
@Component
public class CapReservations {

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
      if (!ledger.reserveUnderTenantCap(item.tenant(), month, amount, item.tenantMonthlyCapUsd())) {
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
    if (batch && !ledger.reserveUnderCap(item.batch(), amount)) {
      if (month != null) {
        ledger.adjustTenantCommitted(item.tenant(), month, amount.negate());
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

  /** The call was not made: the whole reservation comes back. */
  public void release(Reservation r) {
    ledger.settleReservation(r, r.amount().negate());
  }

  /*
   * A call that was made is settled with the ledger (Ledger.settle), in the same transaction as
   * its attempt, so that a retried settle never adjusts the caps twice.
   */
}
