package io.catalogimage.common.item;

import java.util.EnumSet;
import java.util.Set;

/**
 * One kind of state change a statement makes: from any of {@code from} to one of {@code to}. Built
 * only through {@link #of}, which refuses a move the transition table does not allow, so a
 * statement that would make one fails when its class loads (and in the unit tests), not in
 * production.
 *
 * @param what the change in words, for logs and the table in the docs
 */
public record ItemMove(String what, Set<ItemState> from, Set<ItemState> to) {

  public ItemMove {
    from = Set.copyOf(from);
    to = Set.copyOf(to);
    for (ItemState f : from) {
      for (ItemState t : to) {
        if (f != t && !f.canMoveTo(t)) {
          throw new IllegalStateException(what + ": " + f + " may not move to " + t);
        }
      }
    }
  }

  public static ItemMove of(String what, Set<ItemState> from, ItemState... to) {
    return new ItemMove(what, from, EnumSet.of(to[0], to));
  }

  /**
   * The from-states as an SQL list, e.g. {@code ('QUEUED', 'DISPATCHED')}: the statement's guard.
   */
  public String fromSql() {
    return from.stream()
        .sorted()
        .map(s -> "'" + s.name() + "'")
        .reduce((a, b) -> a + ", " + b)
        .map(l -> "(" + l + ")")
        .orElseThrow();
  }
}
