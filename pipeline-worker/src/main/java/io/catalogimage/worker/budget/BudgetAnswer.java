package io.catalogimage.worker.budget;

import java.time.Duration;

/** What a budget says to a call that wants to go: a value, never an exception. */
public sealed interface BudgetAnswer {

  /**
   * Go after {@code delay} (zero = now): the slot is booked, nobody else gets it. A slot with a
   * delay must be confirmed when it comes due ({@link Budgets#dueNow}), which also counts it as
   * sent.
   *
   * @param measuredAtMs the budget's last measurement of the provider's limit when the slot was
   *     booked: a later one means the slot was booked at a pace that is no longer right
   * @param slotAtMs when the slot is (epoch ms)
   * @param probe the one call let through to a daily quota said used up (the re-probe): it goes
   *     although this replica knows the quota used up
   */
  record Go(Duration delay, long measuredAtMs, long slotAtMs, boolean probe)
      implements BudgetAnswer {
    public static final Go NOW = new Go(Duration.ZERO);

    public Go(Duration delay) {
      this(delay, 0, 0, false);
    }
  }

  /**
   * Nothing booked: ask again {@code after} this long.
   *
   * @param dailyQuota true when the daily quota is used up ({@code after} runs to its reset)
   */
  record Wait(Duration after, String reason, boolean dailyQuota) implements BudgetAnswer {}
}
