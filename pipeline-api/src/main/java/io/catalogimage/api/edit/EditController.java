package io.catalogimage.api.edit;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.common.edit.Conversations;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.common.storage.ObjectStoreProperties;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Edits: a merchant corrects a generated image in words. The edit runs as the item's next attempt
 * on the model that made the image, continuing its conversation; every image the item has had stays
 * as a version that can be listed and restored.
 */
@Tag(name = "Edits")
@RestController
class EditController {

  private final QueueEdits edits;
  private final Conversations conversations;
  private final ObjectStore store;
  private final ObjectStoreProperties storeProps;
  private final Clock clock;

  EditController(
      QueueEdits edits,
      Conversations conversations,
      ObjectStore store,
      ObjectStoreProperties storeProps,
      Clock clock) {
    this.edits = edits;
    this.conversations = conversations;
    this.store = store;
    this.storeProps = storeProps;
    this.clock = clock;
  }

  /** The body of an edit: what to change, in words (at most 2000 characters). */
  record EditRequest(String instruction) {}

  /**
   * One edit and how it went.
   *
   * @param turn the edit's number in the item's history (1 for the first)
   * @param editedVersion the version (attempt number) it edits
   * @param state PENDING, SUCCEEDED, BLOCKED (the model refused; the previous image stays) or
   *     FAILED
   * @param version the new version's attempt number, once SUCCEEDED
   * @param calls provider calls made for it (retries included), {@code costUsd} their cost
   */
  record EditView(
      String editId,
      String itemId,
      int turn,
      String instruction,
      String model,
      int editedVersion,
      String state,
      Integer version,
      String errorType,
      String errorMessage,
      int calls,
      BigDecimal costUsd,
      Instant createdAt,
      Instant finishedAt,
      Map<String, String> links) {}

  /**
   * One image the item has had.
   *
   * @param version the attempt that made it (its object keys carry {@code .a<version>})
   * @param turn 0 for the generation, then the edit's number
   * @param editOf the version it edited (null for the generation)
   * @param instruction the edit's instruction (null for the generation)
   * @param current whether the item shows it now (the sidecar and manifest point at it)
   */
  record VersionView(
      int version,
      int turn,
      Integer editOf,
      String instruction,
      String model,
      String modelServed,
      boolean current,
      String imageKey,
      URI imageUrl,
      String sidecarKey,
      Instant createdAt) {}

  record Versions(String itemId, Integer currentVersion, List<VersionView> versions) {}

  record Edits(String itemId, List<EditView> edits) {}

  /**
   * Queues an edit of the item's current image: its conversation with the model that made it is
   * sent again with the instruction, on that model only. 202 with the edit; 404 for an unknown
   * item; 409 when the item is not SUCCEEDED (or runs an edit already); 400 for a missing or too
   * long instruction.
   */
  @PostMapping("/v1/batches/{batchId}/items/{itemId}/edits")
  @ApiResponse(responseCode = "202", description = "the edit is queued")
  ResponseEntity<EditView> edit(
      TenantId tenant,
      @PathVariable String batchId,
      @PathVariable String itemId,
      @RequestBody(required = false) EditRequest body) {
    BatchId batch = batchId(batchId);
    ItemId item = itemId(itemId);
    String instruction =
        QueueEdits.instruction(body == null ? null : body.instruction(), "instruction");
    Conversations.Edit edit = edits.queue(tenant, batch, item, instruction, clock.instant());
    return ResponseEntity.accepted()
        .location(URI.create(base(batch, item) + "/edits"))
        .body(view(batch, edit));
  }

  /** Every edit asked of the item, first first. */
  @GetMapping("/v1/batches/{batchId}/items/{itemId}/edits")
  Edits edits(TenantId tenant, @PathVariable String batchId, @PathVariable String itemId) {
    BatchId batch = batchId(batchId);
    ItemId item = itemId(itemId);
    conversations
        .editable(tenant, batch, item)
        .orElseThrow(() -> ApiProblem.notFound("no item " + itemId + " in batch " + batchId));
    return new Edits(
        item.toString(),
        conversations.edits(tenant, item).stream().map(e -> view(batch, e)).toList());
  }

  /** Every image the item has had, oldest first, with presigned links. */
  @GetMapping("/v1/batches/{batchId}/items/{itemId}/versions")
  Versions versions(TenantId tenant, @PathVariable String batchId, @PathVariable String itemId) {
    BatchId batch = batchId(batchId);
    ItemId item = itemId(itemId);
    Conversations.EditableItem row =
        conversations
            .editable(tenant, batch, item)
            .orElseThrow(() -> ApiProblem.notFound("no item " + itemId + " in batch " + batchId));
    List<VersionView> versions =
        conversations.turns(tenant, item).stream()
            .map(
                t ->
                    new VersionView(
                        t.attemptNo(),
                        t.turn(),
                        t.parentAttempt(),
                        t.turn() == 0 ? null : t.requestText(),
                        t.model(),
                        t.modelServed(),
                        row.turnAttempt() != null && row.turnAttempt() == t.attemptNo(),
                        t.imageKey(),
                        store.presignedGet(t.imageKey(), storeProps.presignTtl()),
                        t.sidecarKey(),
                        t.createdAt()))
            .toList();
    return new Versions(item.toString(), row.turnAttempt(), versions);
  }

  /**
   * Shows an earlier version again: the item's image, sidecar, texts and the batch's manifest point
   * at it, and the next edit continues from it. 404 for an unknown version; 409 while the item is
   * not SUCCEEDED.
   */
  @PostMapping("/v1/batches/{batchId}/items/{itemId}/versions/{version}/restore")
  Versions restore(
      TenantId tenant,
      @PathVariable String batchId,
      @PathVariable String itemId,
      @PathVariable String version) {
    BatchId batch = batchId(batchId);
    ItemId item = itemId(itemId);
    int v;
    try {
      v = Integer.parseInt(version);
    } catch (NumberFormatException e) {
      throw ApiProblem.notFound("no version " + version + " of item " + itemId);
    }
    edits.restore(tenant, batch, item, v, clock.instant());
    return versions(tenant, batchId, itemId);
  }

  private static EditView view(BatchId batch, Conversations.Edit e) {
    String base = base(batch, e.item());
    return new EditView(
        e.id().toString(),
        e.item().toString(),
        e.turn(),
        e.instruction(),
        e.model(),
        e.baseAttempt(),
        e.state(),
        e.attemptNo(),
        e.errorType(),
        e.errorMessage(),
        e.calls(),
        e.costUsd(),
        e.createdAt(),
        e.finishedAt(),
        Map.of("item", base, "edits", base + "/edits", "versions", base + "/versions"));
  }

  private static String base(BatchId batch, ItemId item) {
    return "/v1/batches/" + batch + "/items/" + item;
  }

  private static BatchId batchId(String text) {
    try {
      return BatchId.of(text);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.notFound("no batch " + text);
    }
  }

  private static ItemId itemId(String text) {
    try {
      return ItemId.of(text);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.notFound("no item " + text);
    }
  }
}
