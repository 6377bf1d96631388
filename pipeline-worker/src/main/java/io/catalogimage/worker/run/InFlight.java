package io.catalogimage.worker.run;

import io.catalogimage.common.id.ItemId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * What one worker holds: the items it has claimed and the slots of those it has started, at most
 * {@code max} of each. Consumers are told to pause when it holds {@code max} items and to resume
 * when a quarter has drained. A {@link Slot} is given back once whatever happens to its item
 * (released twice, it counts once), so failures cannot make the counts drift.
 */
final class InFlight {

  /** Told when the worker can take more items or should stop taking them. */
  interface CapacityListener {
    void capacityChanged(boolean hasRoom);
  }

  private final int max;
  private final Map<ItemId, Job> holding = new ConcurrentHashMap<>();
  private final AtomicInteger started = new AtomicInteger();
  private final AtomicBoolean paused = new AtomicBoolean();
  private final ReentrantLock idleLock = new ReentrantLock();
  private final Condition idle = idleLock.newCondition();
  private volatile CapacityListener listener = hasRoom -> {};
  private final BooleanSupplier bytesFull;

  InFlight(int max) {
    this(max, () -> false);
  }

  /**
   * @param bytesFull true while the byte budget (images received, not yet stored) is used up: no
   *     new item starts then, whatever the slots say
   */
  InFlight(int max, BooleanSupplier bytesFull) {
    this.max = max;
    this.bytesFull = bytesFull;
  }

  void onCapacityChange(CapacityListener l) {
    this.listener = l;
  }

  /** The worker now holds this item (claimed, not necessarily started). */
  void hold(Job job) {
    holding.put(job.item.id(), job);
    if (holding.size() >= max && paused.compareAndSet(false, true)) {
      listener.capacityChanged(false);
    }
  }

  /** The item left the worker. */
  void drop(Job job) {
    holding.remove(job.item.id(), job);
    if (holding.size() <= max * 3 / 4 && paused.compareAndSet(true, false)) {
      listener.capacityChanged(true);
    }
  }

  /**
   * A slot to start an item in, or null when {@code max} items are started or the byte budget is
   * full.
   */
  Slot tryStart() {
    if (bytesFull.getAsBoolean()) {
      return null;
    }
    while (true) {
      int current = started.get();
      if (current >= max) {
        return null;
      }
      if (started.compareAndSet(current, current + 1)) {
        return new Slot();
      }
    }
  }

  boolean hasRoom() {
    return holding.size() < max;
  }

  int held() {
    return holding.size();
  }

  int started() {
    return started.get();
  }

  List<Job> heldJobs() {
    return new ArrayList<>(holding.values());
  }

  Job job(ItemId id) {
    return holding.get(id);
  }

  /** Waits until no slot is taken or {@code nanos} have passed; true when idle. */
  boolean awaitIdle(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    idleLock.lock();
    try {
      while (started.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        idle.awaitNanos(Math.min(left, 100_000_000L));
      }
      return true;
    } finally {
      idleLock.unlock();
    }
  }

  /** A started item's slot: given back exactly once. */
  final class Slot {
    private final AtomicBoolean released = new AtomicBoolean();

    void release() {
      if (!released.compareAndSet(false, true)) {
        return;
      }
      started.decrementAndGet();
      idleLock.lock();
      try {
        idle.signalAll();
      } finally {
        idleLock.unlock();
      }
    }
  }
}
