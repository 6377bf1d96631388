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
   * @param state PENDING, SUCCEEDED, BLOCKED (the model refused; the previous image stays), FAILED,
   *     or CAP_REACHED (a cost cap had no room; the previous image stays, and raising the cap runs
   *     it again)
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
   * item; 409 when the item is not SUCCEEDED (or runs an edit already) or has no stored image; 400
   * for a missing or too long instruction. An item made before conversations were kept is edited
   * from its stored image, as a fresh conversation.
   */
  @PostMapping("/v1/batches/{batchId}/items/{itemId}/edits")
  @ApiResponse(responseCode = "202", description = "the edit is queued")
  @io.swagger.v3.oas.annotations.parameters.RequestBody(
      content =
          @io.swagger.v3.oas.annotations.media.Content(
              schema =
                  @io.swagger.v3.oas.annotations.media.Schema(implementation = EditRequest.class)))
  ResponseEntity<EditView> edit(
      TenantId tenant,
      @PathVariable String batchId,
      @PathVariable String itemId,
      @RequestBody(required = false) tools.jackson.databind.JsonNode body) {
    BatchId batch = batchId(batchId);
    ItemId item = itemId(itemId);
    if (body != null && body.isObject()) {
      EditBodies.only(body, "", "instruction");
    }
    String instruction =
        QueueEdits.instruction(
            body != null && body.path("instruction").isString()
                ? body.get("instruction").asString()
                : null,
            "instruction");
    Conversations.Edit edit = edits.queue(tenant, batch, item, instruction, clock.instant());
    return ResponseEntity.accepted()
        .location(URI.create(base(batch, item) + "/edits"))
        .body(view(batch, edit));
  }

  /** One entry of a bulk list: {@code itemId}, or {@code sku} (and optionally {@code variant}). */
  record BulkEntry(String itemId, String sku, String variant, String instruction) {}

  /** Which items one instruction edits; every given field must match. */
  record BulkFilter(String variant, String model, List<String> skus, Boolean blockedThenRerouted) {}

  /** The body of a bulk edit: {@code edits}, or {@code instruction} with {@code filter}. */
  record BulkRequest(List<BulkEntry> edits, String instruction, BulkFilter filter) {}

  /** At most this many entries in one bulk request, or items one filter edits. */
  static final int MAX_BULK = 1000;

  /**
   * The answer of a bulk edit: how many items run an edit now, and which.
   *
   * @param edits the edits queued (for a list of entries; empty for a filter)
   */
  record BulkAnswer(int queued, List<String> itemIds, List<EditView> edits) {}

  /**
   * Many edits at once, all or none. Either a list, {@code {"edits": [{"itemId": "...",
   * "instruction": "..."}, {"sku": "...", "variant": "...", "instruction": "..."}]}} (a SKU without
   * a variant edits all its variants), or one instruction for a filter, {@code {"instruction":
   * "...", "filter": {"variant": "...", "model": "...", "skus": [...], "blockedThenRerouted":
   * true}}} (SUCCEEDED items with a kept conversation that match every given field; {@code
   * blockedThenRerouted}: blocked on one model, then made by another). At most 1000 items.
   */
  @PostMapping("/v1/batches/{batchId}/edits")
  @ApiResponse(responseCode = "202", description = "the edits are queued")
  @io.swagger.v3.oas.annotations.parameters.RequestBody(
      content =
          @io.swagger.v3.oas.annotations.media.Content(
              schema =
                  @io.swagger.v3.oas.annotations.media.Schema(implementation = BulkRequest.class)))
  ResponseEntity<BulkAnswer> bulk(
      TenantId tenant,
      @PathVariable String batchId,
      @RequestBody(required = false) tools.jackson.databind.JsonNode body) {
    BatchId batch = batchId(batchId);
    if (body == null || !body.isObject()) {
      throw ApiProblem.invalidParameter(
          "body", "must be {\"edits\": [...]} or {\"instruction\": ..., \"filter\": {...}}");
    }
    EditBodies.only(body, "", "edits", "instruction", "filter");
    if (body.has("edits") == (body.has("filter") || body.has("instruction"))) {
      throw ApiProblem.invalidParameter(
          "edits", "give either a list of edits, or one instruction with a filter");
    }
    if (body.has("edits")) {
      List<QueueEdits.Entry> entries = EditBodies.entries(body.get("edits"), MAX_BULK);
      List<Conversations.Edit> queued = edits.queueAll(tenant, batch, entries, clock.instant());
      return ResponseEntity.accepted()
          .body(
              new BulkAnswer(
                  queued.size(),
                  queued.stream().map(e -> e.item().toString()).toList(),
                  queued.stream().map(e -> view(batch, e)).toList()));
    }
    String instruction =
        QueueEdits.instruction(
            body.path("instruction").isString() ? body.get("instruction").asString() : null,
            "instruction");
    Conversations.EditFilter filter = EditBodies.filter(body.get("filter"));
    if (!queriesBatch(tenant, batch)) {
      throw ApiProblem.notFound("no batch " + batchId);
    }
    List<ItemId> queued =
        edits.queueMatching(tenant, batch, filter, instruction, MAX_BULK, clock.instant());
    return ResponseEntity.accepted()
        .body(
            new BulkAnswer(
                queued.size(), queued.stream().map(ItemId::toString).toList(), List.of()));
  }

  private boolean queriesBatch(TenantId tenant, BatchId batch) {
    return conversations.batchExists(tenant, batch);
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
    // the merchant's words, not the prompt sent (which also asks again for alt text)
    Map<Integer, String> instructions = new java.util.HashMap<>();
    conversations.edits(tenant, item).stream()
        .filter(e -> e.attemptNo() != null)
        .forEach(e -> instructions.put(e.attemptNo(), e.instruction()));
    List<VersionView> versions =
        conversations.turns(tenant, item).stream()
            .map(
                t ->
                    new VersionView(
                        t.attemptNo(),
                        t.turn(),
                        t.parentAttempt(),
                        instructions.get(t.attemptNo()),
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

  /**
   * The image of one version, from object storage through this api (for the dashboard, which
   * fetches it with the tenant's key; clients may use the presigned {@code imageUrl} instead).
   */
  @GetMapping("/v1/batches/{batchId}/items/{itemId}/versions/{version}/image")
  ResponseEntity<byte[]> image(
      TenantId tenant,
      @PathVariable String batchId,
      @PathVariable String itemId,
      @PathVariable String version) {
    BatchId batch = batchId(batchId);
    ItemId item = itemId(itemId);
    conversations
        .editable(tenant, batch, item)
        .orElseThrow(() -> ApiProblem.notFound("no item " + itemId + " in batch " + batchId));
    Conversations.Turn turn =
        conversations.turns(tenant, item).stream()
            .filter(t -> String.valueOf(t.attemptNo()).equals(version))
            .findFirst()
            .orElseThrow(() -> ApiProblem.notFound("no version " + version + " of item " + itemId));
    byte[] bytes =
        store
            .get(turn.imageKey())
            .orElseThrow(() -> ApiProblem.notFound("the image of version " + version + " is gone"));
    return ResponseEntity.ok()
        .contentType(
            turn.imageKey().endsWith(".jpg")
                ? org.springframework.http.MediaType.IMAGE_JPEG
                : org.springframework.http.MediaType.IMAGE_PNG)
        .header("Cache-Control", "private, max-age=3600")
        .body(bytes);
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
