package io.catalogimage.api.batch;

import io.catalogimage.common.item.ItemState;
import java.util.Map;

/** Where a whole batch stands, derived from its items so that it is never stale. */
enum BatchState {
  /** Stored; no item has started. */
  ACCEPTED,
  /** Some item has started and some item is not finished. */
  RUNNING,
  /** Every item is in a terminal state (see the counts for how many succeeded). */
  COMPLETED;

  static BatchState of(Map<ItemState, Long> counts) {
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
