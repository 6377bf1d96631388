package io.catalogimage.common.batch;

import io.catalogimage.common.item.ItemState;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a whole batch stands. Shown to merchants derived from its items ({@link #of}), so never
 * stale; stored on the batch row as the marker of its end: ACCEPTED when stored, COMPLETED once
 * every item is terminal, RUNNING again when a re-drive or a raised cap reopens it. The stored
 * moves are the table below; {@link BatchRepository} makes them and the database refuses any other
 * ({@code batch_state_moves}).
 */
public enum BatchState {
  /** Stored; no item has started. */
  ACCEPTED,
  /** Some item has started and some item is not finished. */
  RUNNING,
  /** Every item is in a terminal state (see the counts for how many succeeded). */
  COMPLETED;

  private static final Map<BatchState, Set<BatchState>> ALLOWED = new EnumMap<>(BatchState.class);

  static {
    ALLOWED.put(ACCEPTED, EnumSet.of(COMPLETED, RUNNING));
    ALLOWED.put(RUNNING, EnumSet.of(COMPLETED));
    // reopened: a re-drive, or a raised cap that resumes capped items
    ALLOWED.put(COMPLETED, EnumSet.of(RUNNING));
  }

  public boolean canMoveTo(BatchState next) {
    return ALLOWED.get(this).contains(next);
  }

  /** Every allowed move, for the test that keeps the database's table equal to this one. */
  public static Map<BatchState, Set<BatchState>> moves() {
    Map<BatchState, Set<BatchState>> copy = new EnumMap<>(BatchState.class);
    ALLOWED.forEach((from, to) -> copy.put(from, Set.copyOf(to)));
    return copy;
  }

  /** The state a batch with these item counts shows. */
  public static BatchState of(Map<ItemState, Long> counts) {
    long open = 0;
    long started = 0;
    for (var e : counts.entrySet()) {
      ItemState s = e.getKey();
      if (!s.isTerminal()) {
        open += e.getValue();
      }
      if (s != ItemState.QUEUED && s != ItemState.DISPATCHED) {
        started += e.getValue();
      }
    }
    if (open == 0) {
      return COMPLETED;
    }
    return started == 0 ? ACCEPTED : RUNNING;
  }
}
