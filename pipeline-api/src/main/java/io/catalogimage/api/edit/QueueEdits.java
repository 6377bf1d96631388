package io.catalogimage.api.edit;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.api.retry.RetriedOnLockConflict;
import io.catalogimage.common.batch.BatchRepository;
import io.catalogimage.common.catalog.Tiers;
import io.catalogimage.common.edit.Conversations;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.model.ModelCatalog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Queues an edit: the edit's row and the item's move back to the queue (on the model of its
 * conversation) in one transaction, and its batch reopens. From there the item runs the path every
 * item runs (dispatch, claim, budget, caps, ledger), so an edit is paid once and never lost.
 */
@Component
class QueueEdits {

  /** The longest instruction taken: a correction is a sentence or two, not a new catalog. */
  static final int MAX_INSTRUCTION = 2000;

  private final Conversations conversations;
  private final ItemRepository items;
  private final BatchRepository batches;
  private final ModelCatalog catalog;
  private final Tiers tiers;

  QueueEdits(
      Conversations conversations,
      ItemRepository items,
      BatchRepository batches,
      ModelCatalog catalog,
      Tiers tiers) {
    this.conversations = conversations;
    this.items = items;
    this.batches = batches;
    this.catalog = catalog;
    this.tiers = tiers;
  }

  /** Checks the instruction; the problem names the field (and its index in a bulk request). */
  static String instruction(String raw, String field) {
    if (raw == null || raw.isBlank()) {
      throw ApiProblem.invalidParameter(field, "is required: say in words what to change");
    }
    String text = raw.strip();
    if (text.length() > MAX_INSTRUCTION) {
      throw ApiProblem.invalidParameter(
          field,
          "is " + text.length() + " characters long; at most " + MAX_INSTRUCTION + " are taken");
    }
    return text;
  }

  @Transactional
  @RetriedOnLockConflict
  Conversations.Edit queue(
      TenantId tenant, BatchId batch, ItemId item, String instruction, Instant now) {
    Conversations.EditableItem row =
        conversations
            .editable(tenant, batch, item)
            .orElseThrow(() -> ApiProblem.notFound("no item " + item + " in batch " + batch));
    if (row.batchCancelled()) {
      throw conflict("its batch was cancelled; re-drive the batch before editing its images");
    }
    if (!"SUCCEEDED".equals(row.state())) {
      throw conflict(
          "the item is "
              + row.state()
              + ": only a SUCCEEDED item has an image to edit"
              + (row.state().equals("QUEUED")
                      || row.state().equals("DISPATCHED")
                      || row.state().equals("RUNNING")
                  ? " (an edit or a generation is running; wait for it to end)"
                  : " (re-drive it to make one)"));
    }
    Conversations.Turn current =
        conversations
            .current(tenant, item)
            .or(
                () -> {
                  // made before conversations were kept: its stored image starts a fresh one
                  adoptImages(tenant, batch, item, now);
                  return conversations.current(tenant, item);
                })
            .orElseThrow(
                () ->
                    conflict(
                        "the item has no stored image to edit (and no kept conversation);"
                            + " re-drive it to make one"));
    UUID edit = UUID.randomUUID();
    conversations.insertEdit(
        edit, tenant, batch, item, instruction, current.model(), current.attemptNo(), now);
    if (!items.queueEdit(tenant, item, edit, current.model(), now)) {
      throw conflict("the item changed meanwhile; ask again");
    }
    batches.reopenResumed(tenant, batch);
    return conversations.edit(tenant, edit).orElseThrow();
  }

  /** One entry of a bulk edit: an item by id, or every item (or one variant) of a SKU. */
  record Entry(ItemId item, String sku, String variant, String instruction) {}

  /**
   * Queues every entry's edit or none: the first entry that cannot be edited is the problem (naming
   * its index), and the whole request is rolled back.
   */
  @Transactional
  @RetriedOnLockConflict
  List<Conversations.Edit> queueAll(
      TenantId tenant, BatchId batch, List<Entry> entries, Instant now) {
    List<Conversations.Edit> queued = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      try {
        List<ItemId> targets =
            e.item() != null
                ? List.of(e.item())
                : conversations.itemsBySku(tenant, batch, e.sku(), e.variant());
        if (targets.isEmpty()) {
          throw ApiProblem.notFound(
              "no item with SKU '"
                  + e.sku()
                  + "'"
                  + (e.variant() == null ? "" : " and variant '" + e.variant() + "'")
                  + " in batch "
                  + batch);
        }
        for (ItemId item : targets) {
          queued.add(queue(tenant, batch, item, e.instruction(), now));
        }
      } catch (ApiProblem p) {
        throw p.at("edits[" + i + "]");
      }
    }
    return queued;
  }

  /** One instruction for every matching item; a filter matching nothing queues nothing. */
  @Transactional
  @RetriedOnLockConflict
  List<ItemId> queueMatching(
      TenantId tenant,
      BatchId batch,
      Conversations.EditFilter filter,
      String instruction,
      int limit,
      Instant now) {
    adoptImages(tenant, batch, null, now);
    List<ItemId> queued = items.queueEditsMatching(tenant, batch, filter, instruction, limit, now);
    if (!queued.isEmpty()) {
      batches.reopenResumed(tenant, batch);
    }
    return queued;
  }

  /**
   * Adopts the stored images of items that kept no conversation (all of the batch's, or one item's)
   * as versions to edit from, on the model that made each, or the first of the batch's tier when
   * that model is gone from the catalog.
   */
  private void adoptImages(TenantId tenant, BatchId batch, ItemId item, Instant now) {
    String tier = conversations.tier(tenant, batch).orElse(null);
    String fallback =
        tier == null
            ? null
            : tiers.chain(tier).flatMap(c -> c.stream().findFirst()).map(m -> m.id()).orElse(null);
    List<String> ids = catalog.models().stream().map(m -> m.id()).toList();
    conversations.adoptImages(
        tenant, batch, item, ids, fallback == null ? ids.get(0) : fallback, now);
  }

  @Transactional
  @RetriedOnLockConflict
  void restore(TenantId tenant, BatchId batch, ItemId item, int version, Instant now) {
    Conversations.EditableItem row =
        conversations
            .editable(tenant, batch, item)
            .orElseThrow(() -> ApiProblem.notFound("no item " + item + " in batch " + batch));
    if (!"SUCCEEDED".equals(row.state())) {
      throw conflict("the item is " + row.state() + ": a version is restored on a SUCCEEDED item");
    }
    if (!conversations.restore(tenant, batch, item, version, now)) {
      throw ApiProblem.notFound("no version " + version + " of item " + item);
    }
  }

  static ApiProblem conflict(String why) {
    return new ApiProblem(HttpStatus.CONFLICT, ProblemTypes.CONFLICT, "Not editable now", why);
  }
}
