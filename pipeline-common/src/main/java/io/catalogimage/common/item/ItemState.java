package io.catalogimage.common.item;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where one item (a product in one variant) stands. The allowed moves are the one table below.
 * Every statement that changes an item's state is in {@link ItemRepository}, declares its {@link
 * ItemMove} (checked against this table when the class loads), and guards on the from-state (and,
 * for one held item, the version); the database refuses any other move (table {@code
 * item_state_moves}, kept equal to this one by a test).
 */
public enum ItemState {
  /** Stored and waiting to be sent to Kafka once {@code not_before} has passed. */
  QUEUED,
  /** On Kafka, waiting for a worker. */
  DISPATCHED,
  /** Claimed by a worker under a lease; a provider call may be in flight. */
  RUNNING,
  SUCCEEDED,
  /** Failed for good: attempts used up, or an error that retrying cannot fix. */
  FAILED,
  /** The provider's safety filter refused it and policy does not allow another model. */
  BLOCKED,
  CANCELLED,
  /** Stopped by a cost cap; resumable by raising the cap. */
  CAP_REACHED;

  private static final Map<ItemState, Set<ItemState>> ALLOWED = new EnumMap<>(ItemState.class);

  static {
    // QUEUED -> RUNNING: a worker may get the record before the dispatcher's transaction commits
    ALLOWED.put(QUEUED, EnumSet.of(DISPATCHED, RUNNING, CANCELLED));
    // back to QUEUED: a dispatched record that never reached a worker is sent again;
    // FAILED: its job record could not be processed and went to the dead-letter topic
    ALLOWED.put(DISPATCHED, EnumSet.of(RUNNING, QUEUED, CANCELLED, FAILED));
    // back to QUEUED: retry later, or the lease expired (a worker died)
    ALLOWED.put(RUNNING, EnumSet.of(SUCCEEDED, FAILED, BLOCKED, QUEUED, CANCELLED, CAP_REACHED));
    // an edit (issue 18): the item runs again to correct its image; the previous one stays
    ALLOWED.put(SUCCEEDED, EnumSet.of(QUEUED));
    // re-drive: failed, blocked, cancelled and capped items may run again
    ALLOWED.put(FAILED, EnumSet.of(QUEUED));
    ALLOWED.put(BLOCKED, EnumSet.of(QUEUED));
    ALLOWED.put(CANCELLED, EnumSet.of(QUEUED));
    ALLOWED.put(CAP_REACHED, EnumSet.of(QUEUED, CANCELLED));
  }

  public boolean canMoveTo(ItemState next) {
    return ALLOWED.get(this).contains(next);
  }

  /** Terminal states are where an item rests until a person (re-drive, cap raise) moves it. */
  public boolean isTerminal() {
    return this != QUEUED && this != DISPATCHED && this != RUNNING;
  }

  /** The states {@code from} that may move to {@code to}, for guarded SQL updates. */
  public static Set<ItemState> sourcesOf(ItemState to) {
    Set<ItemState> sources = EnumSet.noneOf(ItemState.class);
    ALLOWED.forEach(
        (from, targets) -> {
          if (targets.contains(to)) {
            sources.add(from);
          }
        });
    return sources;
  }

  /** Every allowed move, for the test that keeps the database's table equal to this one. */
  public static Map<ItemState, Set<ItemState>> moves() {
    Map<ItemState, Set<ItemState>> copy = new EnumMap<>(ItemState.class);
    ALLOWED.forEach((from, to) -> copy.put(from, Set.copyOf(to)));
    return copy;
  }

  public static Set<ItemState> terminalStates() {
    Set<ItemState> terminal = EnumSet.noneOf(ItemState.class);
    for (ItemState s : values()) {
      if (s.isTerminal()) {
        terminal.add(s);
      }
    }
    return terminal;
  }
}
