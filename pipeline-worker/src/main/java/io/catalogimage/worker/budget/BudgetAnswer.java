package io.catalogimage.worker.budget;

import java.time.Duration;

/** What a budget says to a call that wants to go: a value, never an exception. */
public sealed interface BudgetAnswer {

  /** Go after {@code delay} (zero = now): the slot is booked, nobody else gets it. */
  record Go(Duration delay) implements BudgetAnswer {
    public static final Go NOW = new Go(Duration.ZERO);
  }

  /**
   * Nothing booked: ask again {@code after} this long.
   *
   * @param dailyQuota true when the daily quota is used up ({@code after} runs to its reset)
   */
  record Wait(Duration after, String reason, boolean dailyQuota) implements BudgetAnswer {}
}
