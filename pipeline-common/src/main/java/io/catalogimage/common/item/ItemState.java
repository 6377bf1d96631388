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
  /**
   * A line of a provider batch job (the half-price batch lane): the job, tracked in {@code
   * provider_jobs}, answers for it; if it is not back by its latest safe moment the item goes back
   * to the queue and runs in real time.
   */
  IN_PROVIDER_BATCH,
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
    // IN_PROVIDER_BATCH: the batch lane claimed it, recorded its attempt and sent it in a job
    ALLOWED.put(
        RUNNING,
        EnumSet.of(SUCCEEDED, FAILED, BLOCKED, QUEUED, CANCELLED, CAP_REACHED, IN_PROVIDER_BATCH));
    // RUNNING: its line came back and is settled like a real-time answer (under a lease);
    // QUEUED: its line failed or never ran, or the job is late (fallback to real time)
    ALLOWED.put(IN_PROVIDER_BATCH, EnumSet.of(RUNNING, QUEUED, CANCELLED));
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
    return this != QUEUED && this != DISPATCHED && this != RUNNING && this != IN_PROVIDER_BATCH;
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
