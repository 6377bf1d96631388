package io.catalogimage.worker.run;

import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.provider.ModelTimeouts;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One claimed item on its way through the steps of a call. Holds what the steps share: the row
 * version this worker last wrote (every change is guarded by it), whether the lease is still held,
 * and the permits to give back exactly once when the item leaves this worker.
 */
final class Job {

  final ClaimedItem item;
  final String worker;
  private volatile int version;
  private volatile boolean leaseLost;
  private volatile boolean called;
  private final AtomicBoolean done = new AtomicBoolean();

  /** The in-flight slot the item holds from its start; given back by {@link GenerateImages}. */
  volatile InFlight.Slot slot;

  /** Its model's gate permit, from the budget slot to the end of the call. */
  volatile BudgetGate.Permit gate;

  /** The model whose breaker permission it holds, until the call's outcome is reported. */
  volatile String breakerModel;

  /** Its call's stretched timeout (the model's one such call), until the outcome is reported. */
  volatile ModelTimeouts.Stretched stretched;

  Job(ClaimedItem item, String worker) {
    this.item = item;
    this.worker = worker;
    this.version = item.version();
  }

  /** The lease as this worker holds it now: every statement on the item is guarded by it. */
  ItemRepository.Held held() {
    return new ItemRepository.Held(item.id(), worker, version);
  }

  /** The item's row moved to {@code newVersion} by this worker's own statement. */
  void versionIs(int newVersion) {
    version = newVersion;
  }

  /** The renewal found that another owner has the item now. */
  void leaseLost() {
    leaseLost = true;
  }

  boolean isLeaseLost() {
    return leaseLost;
  }

  /** The provider call was made (it is in the ledger). */
  void called() {
    called = true;
  }

  boolean wasCalled() {
    return called;
  }

  /** True the first time only: the item leaves this worker once. */
  boolean markDone() {
    return done.compareAndSet(false, true);
  }

  boolean isDone() {
    return done.get();
  }

  @Override
  public String toString() {
    return "item " + item.id();
  }
}
