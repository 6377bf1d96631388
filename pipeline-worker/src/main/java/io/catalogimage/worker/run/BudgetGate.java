package io.catalogimage.worker.run;

import io.catalogimage.worker.budget.BudgetAnswer;
import io.catalogimage.worker.budget.Budgets;
import io.catalogimage.worker.claim.ClaimedItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The line in front of one model on one account: items wait here for the shared budget. One drainer
 * at a time asks the budget for a slot per item; a booked slot starts its item when it comes due
 * (no thread waits), a "wait" schedules the next ask, and a wait longer than a worker should hold
 * items hands the whole line back to the queue. So a budget is asked about once per call, not once
 * per waiting item (no stampede), and never more calls to the model are open here than its {@code
 * maxInFlight}. Each call that got through holds a {@link Permit} until it ends; a permit given
 * back twice counts once.
 */
final class BudgetGate {

  /** An item in the line. */
  interface Waiter {
    ClaimedItem item();

    /** The slot is due: make the call (on an io thread); give {@code permit} back when done. */
    void go(Permit permit);

    /** The budget will not have room for long: hand the item back with this answer. */
    void handBack(BudgetAnswer.Wait wait);
  }

  private static final Logger log = LoggerFactory.getLogger(BudgetGate.class);

  private final String endpoint;
  private final String model;
  private final Budgets budgets;
  private final ScheduledExecutorService timer;
  private final Executor io;
  private final int maxInFlight;
  private final Duration handBackAfter;
  private final Queue<Waiter> line = new ConcurrentLinkedQueue<>();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean askLater = new AtomicBoolean();

  BudgetGate(
      String endpoint,
      String model,
      Budgets budgets,
      ScheduledExecutorService timer,
      Executor io,
      int maxInFlight,
      Duration handBackAfter) {
    this.endpoint = endpoint;
    this.model = model;
    this.budgets = budgets;
    this.timer = timer;
    this.io = io;
    this.maxInFlight = maxInFlight;
    this.handBackAfter = handBackAfter;
  }

  void enqueue(Waiter waiter) {
    line.add(waiter);
    drain();
  }

  /** A call's place among the open calls of this gate, with the budget slot it was booked on. */
  final class Permit {
    private final AtomicBoolean released = new AtomicBoolean();
    private final BudgetAnswer.Go slot;

    /** The re-probe of a daily quota said used up: it goes although the quota is known used up. */
    boolean probe() {
      return slot.probe();
    }

    Permit(BudgetAnswer.Go slot) {
      this.slot = slot;
    }

    /** The call has finished. Only the first release (of either kind) counts. */
    void release() {
      if (released.compareAndSet(false, true)) {
        open.decrementAndGet();
        drain();
      }
    }

    /**
     * The call was never made after all (lease lost, cap refused, quota gone): the slot leaves the
     * budget's count of calls too. Only the first release (of either kind) counts.
     */
    void releaseUnused() {
      if (released.compareAndSet(false, true)) {
        slotUnused(slot);
        open.decrementAndGet();
        drain();
      }
    }
  }

  private void slotUnused(BudgetAnswer.Go slot) {
    try {
      budgets.unused(endpoint, model, slot);
    } catch (RuntimeException e) {
      log.warn("could not give back an unused slot of {}: {}", model, e.toString());
    }
  }

  /** Empties the line (shutdown): these items never got a slot. */
  List<Waiter> takeAll() {
    List<Waiter> all = new ArrayList<>();
    for (Waiter w; (w = line.poll()) != null; ) {
      all.add(w);
    }
    return all;
  }

  int waiting() {
    return line.size();
  }

  int open() {
    return open.get();
  }

  private void drain() {
    while (!line.isEmpty() && !askLater.get() && open.get() < maxInFlight) {
      if (!draining.compareAndSet(false, true)) {
        return; // the drainer on another thread sees our waiter
      }
      try {
        drainOnce();
      } finally {
        draining.set(false);
      }
    }
  }

  private void drainOnce() {
    while (!line.isEmpty() && !askLater.get() && open.get() < maxInFlight) {
      BudgetAnswer answer;
      try {
        answer = budgets.acquire(endpoint, model);
      } catch (RuntimeException e) {
        log.warn("budget of {} unavailable, asking again in 1s: {}", model, e.toString());
        later(Duration.ofSeconds(1));
        return;
      }
      if (answer instanceof BudgetAnswer.Go go) {
        Waiter waiter = line.poll();
        if (waiter == null) {
          if (go.delay().isZero()) {
            slotUnused(go); // granted for now (so counted) with nobody for it
          }
          return;
        }
        open.incrementAndGet();
        Permit permit = new Permit(go);
        Runnable start = () -> waiter.go(permit);
        if (go.delay().isZero()) {
          io.execute(start);
        } else {
          timer.schedule(
              () -> io.execute(() -> due(waiter, go, permit)),
              go.delay().toMillis(),
              TimeUnit.MILLISECONDS);
        }
      } else {
        BudgetAnswer.Wait wait = (BudgetAnswer.Wait) answer;
        if (wait.after().compareTo(handBackAfter) > 0) {
          List<Waiter> all = takeAll();
          log.info("{}: {}; handing back {} items", model, wait.reason(), all.size());
          all.forEach(w -> io.execute(() -> w.handBack(wait)));
          return;
        }
        later(wait.after());
        return;
      }
    }
  }

  /**
   * A booked slot came due: it goes (and is counted as sent), unless the budget has measured the
   * provider's limit since it was booked (the slot was booked at a pace that proved too fast); then
   * the item asks again.
   */
  private void due(Waiter waiter, BudgetAnswer.Go go, Permit permit) {
    if (budgets.dueNow(endpoint, model, go)) {
      waiter.go(permit);
      return;
    }
    line.add(waiter);
    permit.release(); // never made nor counted; asked again
  }

  private void later(Duration wait) {
    askLater.set(true);
    timer.schedule(
        () -> {
          askLater.set(false);
          drain();
        },
        Math.max(1, wait.toMillis()),
        TimeUnit.MILLISECONDS);
  }
}
