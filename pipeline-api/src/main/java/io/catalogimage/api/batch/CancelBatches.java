package io.catalogimage.api.batch;

import io.catalogimage.api.intake.ExpandBatches;
import io.catalogimage.api.retry.RetriedOnLockConflict;
import io.catalogimage.common.batch.BatchRepository;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import java.time.Instant;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Cancelling a batch: items not yet called stop now; calls in flight finish and keep their result
 * (the provider is already working on them, and an image made is an image paid for).
 */
@Component
class CancelBatches {

  private final BatchRepository batches;
  private final ItemRepository items;
  private final ExpandBatches expander;

  CancelBatches(BatchRepository batches, ItemRepository items, ExpandBatches expander) {
    this.batches = batches;
    this.items = items;
    this.expander = expander;
  }

  /** Returns how many items were cancelled now; -1 when there is no such batch. */
  @Transactional
  @RetriedOnLockConflict
  public int cancel(TenantId tenant, BatchId batch, Instant now) {
    // an upload's items may still be to make: made here first, so that they are cancelled too
    expander.expandIfPending(tenant, batch);
    // the items (and their counters) before the batch row: the order a worker's settle takes them
    // in (its item, its counters, then the batch's spend), so that neither waits on the other in a
    // cycle; all of it shows at once, at commit
    int cancelled = items.cancelWaiting(tenant, batch, now);
    if (!batches.markCancelled(tenant, batch, now)) {
      return -1; // no such batch of this tenant's: the items' statement matched none either
    }
    return cancelled;
  }
}
