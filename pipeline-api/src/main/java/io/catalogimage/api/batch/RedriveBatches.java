package io.catalogimage.api.batch;

import io.catalogimage.api.retry.RetriedOnLockConflict;
import io.catalogimage.common.batch.BatchRepository;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.item.ItemState;
import java.time.Instant;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Re-drive: items that ended FAILED, BLOCKED or CANCELLED run again, optionally on another tier,
 * each with its full retries (attempts before the run are remembered, attempt numbers go on).
 * Succeeded items are never touched. The batch reopens and is no longer cancelled: also when no
 * item has ended CANCELLED yet but CANCELLED ones were asked for and some are still held by a
 * worker (they would end CANCELLED a moment later, with the batch still cancelled).
 */
@Component
class RedriveBatches {

  private final BatchRepository batches;
  private final ItemRepository items;

  RedriveBatches(BatchRepository batches, ItemRepository items) {
    this.batches = batches;
    this.items = items;
  }

  /** Returns how many items run again. The caller has checked that the batch exists. */
  @Transactional
  @RetriedOnLockConflict
  int redrive(TenantId tenant, BatchId batch, Set<ItemState> states, String tier, Instant now) {
    int requeued = items.redrive(tenant, batch, states, now);
    if (requeued > 0
        || (states.contains(ItemState.CANCELLED)
            && batches.cancelledWithItemsUnfinished(tenant, batch))) {
      batches.reopenForRedrive(tenant, batch, tier);
    } else if (tier != null) {
      batches.retier(tenant, batch, tier);
    }
    return requeued;
  }
}
