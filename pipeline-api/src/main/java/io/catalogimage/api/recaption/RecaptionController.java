package io.catalogimage.api.recaption;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.common.batch.BatchSpec;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Re-running captioning for a batch or a filter, without touching images: {@code POST
 * /v1/batches/{batch}/alt-text/recaptions} queues caption-only work for the selected SUCCEEDED
 * items and locales (e.g. every item whose {@code ja} fails a check); a worker describes each
 * stored image again with the tier's caption models, never makes an image, never overwrites a
 * merchant's text.
 */
@Tag(name = "Alt text")
@RestController
class RecaptionController {

  /** The most item ids or SKUs one filter lists, and the most item ids an answer lists. */
  static final int MAX_LISTED = 1000;

  /** The real-time lane a batch-lane item's recaption runs on: no provider batch job captions. */
  static final String REAL_TIME_LANE = "interactive";

  private final QueueRecaptions recaptions;
  private final Clock clock;

  RecaptionController(QueueRecaptions recaptions, Clock clock) {
    this.recaptions = recaptions;
    this.clock = clock;
  }

  /**
   * Which items: each given field must match (none given: every SUCCEEDED item of the batch).
   *
   * @param itemIds these items (each must be in the batch and SUCCEEDED, or the request is refused)
   * @param skus items of these SKUs (each must be in the batch)
   * @param variant items of this variant
   * @param failing true: per item, only the asked locales whose text is missing or fails a check
   *     (items with none are not selected); false (default): every asked locale
   */
  record Filter(List<String> itemIds, List<String> skus, String variant, Boolean failing) {}

  /**
   * The body.
   *
   * @param locales the locales to caption again (required; each one of the batch's {@code
   *     altTextLocales}); a locale whose text the merchant set is never captioned
   * @param filter which items (optional)
   * @param dryRun true: answer 200 with what would be queued, and change nothing
   */
  record RecaptionRequest(List<String> locales, Filter filter, Boolean dryRun) {}

  /**
   * The answer.
   *
   * @param recaptionId the request (null for a dry run); its progress at {@code links.self}
   * @param items how many items are queued (or would be, for a dry run)
   * @param itemIds their ids, in item order, the first {@value #MAX_LISTED}
   * @param itemIdsTruncated true when {@code itemIds} lists only the first {@value #MAX_LISTED}
   */
  record RecaptionAnswer(
      String recaptionId,
      String batchId,
      boolean dryRun,
      List<String> locales,
      int items,
      List<String> itemIds,
      boolean itemIdsTruncated,
      Map<String, String> links) {}

  /**
   * A recaption's progress.
   *
   * @param items items it queued
   * @param pending items still waiting for or running their recaption
   * @param captionCalls caption calls made for it so far (ledger rows, purpose caption)
   * @param costUsd what they cost
   */
  record RecaptionStatus(
      String recaptionId,
      String batchId,
      JsonNode request,
      int items,
      long pending,
      String state,
      long captionCalls,
      BigDecimal costUsd,
      Instant createdAt) {}

  /**
   * Captions the stored images of the selected items again for the given locales: all or nothing
   * (the first item id, SKU or locale that cannot be taken is the problem, naming it by its index),
   * 202 with how many items are queued. The batch reopens until they are done; each caption call
   * goes through the caption models' budgets, breakers and the cost caps, and is a ledger row
   * (purpose caption). A text is replaced only by a caption that passes its checks; the merchant's
   * are never touched. With {@code dryRun}, 200 and nothing changes. With an {@code
   * Idempotency-Key}, a retry of the same request answers the first one's result; the key reused
   * for another request is a 422.
   */
  @PostMapping("/v1/batches/{batchId}/alt-text/recaptions")
  @ApiResponse(responseCode = "202", description = "the recaption is queued")
  @ApiResponse(responseCode = "200", description = "a dry run: what would be queued")
  @ApiResponse(responseCode = "409", description = "an asked item is not SUCCEEDED")
  @ApiResponse(
      responseCode = "422",
      description = "the Idempotency-Key was used for another request")
  @io.swagger.v3.oas.annotations.parameters.RequestBody(
      content =
          @io.swagger.v3.oas.annotations.media.Content(
              schema =
                  @io.swagger.v3.oas.annotations.media.Schema(
                      implementation = RecaptionRequest.class)))
  ResponseEntity<RecaptionAnswer> recaption(
      TenantId tenant,
      @PathVariable String batchId,
      @Parameter(description = "makes a retry safe: the same key and body answer the first result")
          @RequestHeader(value = "Idempotency-Key", required = false)
          String key,
      @RequestBody(required = false) JsonNode body) {
    BatchId batch = batchId(batchId);
    if (key != null
        && (key.isBlank()
            || key.length() > 255
            || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e))) {
      throw ApiProblem.invalidParameter(
          "Idempotency-Key", "must be 1-255 visible ASCII characters (a UUID is a good choice)");
    }
    if (body == null || !body.isObject()) {
      throw ApiProblem.invalidParameter(
          "body", "must be {\"locales\": [...], \"filter\": {...}, \"dryRun\": false}");
    }
    only(body, "", "locales", "filter", "dryRun");
    boolean dryRun = bool(body, "dryRun", "dryRun");
    BatchSpec spec = recaptions.batch(tenant, batch);
    List<String> locales = locales(body.get("locales"), spec.altTextLocales());
    ItemRepository.RecaptionFilter filter = filter(body.get("filter"), spec);
    recaptions.checkTargets(tenant, batch, filter);
    QueueRecaptions.Selection selection = new QueueRecaptions.Selection(locales, filter);
    String base = "/v1/batches/" + batch;
    if (dryRun) {
      List<ItemId> would = recaptions.preview(tenant, batch, selection);
      return ResponseEntity.ok(answer(null, batch, true, locales, would, would.size(), base));
    }
    String hash = hash(batch, body);
    Optional<QueueRecaptions.Queued> replayed = recaptions.replay(tenant, batch, key, hash);
    QueueRecaptions.Queued queued;
    if (replayed.isPresent()) {
      queued = replayed.get();
    } else {
      try {
        queued =
            recaptions.queue(
                tenant,
                batch,
                selection,
                body.toString(),
                hash,
                key,
                REAL_TIME_LANE,
                clock.instant());
      } catch (DuplicateKeyException raced) {
        // the same key in a request running at the same time: its answer is this one's
        queued = recaptions.replay(tenant, batch, key, hash).orElseThrow(() -> raced);
      }
    }
    RecaptionAnswer answer =
        answer(queued.id(), batch, false, locales, queued.items(), queued.count(), base);
    var response =
        ResponseEntity.accepted()
            .location(URI.create(base + "/alt-text/recaptions/" + queued.id()));
    if (queued.replayed()) {
      response.header("Idempotent-Replayed", "true");
    }
    return response.body(answer);
  }

  /** A recaption's progress: DONE when none of its items is pending any more. */
  @GetMapping("/v1/batches/{batchId}/alt-text/recaptions/{recaptionId}")
  RecaptionStatus status(
      TenantId tenant, @PathVariable String batchId, @PathVariable String recaptionId) {
    BatchId batch = batchId(batchId);
    UUID id;
    try {
      id = UUID.fromString(recaptionId);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.notFound("no recaption " + recaptionId + " in batch " + batchId);
    }
    QueueRecaptions.Status s =
        recaptions
            .status(tenant, batch, id)
            .orElseThrow(
                () -> ApiProblem.notFound("no recaption " + recaptionId + " in batch " + batchId));
    return new RecaptionStatus(
        s.id().toString(),
        s.batch().toString(),
        io.catalogimage.common.json.Json.mapper().readTree(s.request()),
        s.items(),
        s.pending(),
        s.pending() == 0 ? "DONE" : "RUNNING",
        s.calls(),
        s.cost(),
        s.createdAt());
  }

  private static RecaptionAnswer answer(
      UUID id,
      BatchId batch,
      boolean dryRun,
      List<String> locales,
      List<ItemId> items,
      int count,
      String base) {
    List<String> ids = items.stream().limit(MAX_LISTED).map(ItemId::toString).toList();
    Map<String, String> links = new LinkedHashMap<>();
    links.put("batch", base);
    links.put("items", base + "/items");
    if (id != null) {
      links.put("self", base + "/alt-text/recaptions/" + id);
    }
    return new RecaptionAnswer(
        id == null ? null : id.toString(),
        batch.toString(),
        dryRun,
        locales,
        count,
        ids,
        count > ids.size(),
        links);
  }

  private static List<String> locales(JsonNode node, List<String> batchLocales) {
    if (node == null || node.isNull()) {
      throw ApiProblem.invalidParameter(
          "locales", "is required: the locales to caption again, e.g. [\"ja\"]");
    }
    List<String> raw = strings(node, "locales", batchLocales.size() + 1);
    if (raw.isEmpty()) {
      throw ApiProblem.invalidParameter("locales", "must name at least one locale");
    }
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < raw.size(); i++) {
      String locale = raw.get(i);
      if (!batchLocales.contains(locale)) {
        throw ApiProblem.invalidParameter(
            "locales[" + i + "]",
            "the batch asked for alt text in " + batchLocales + ", not '" + locale + "'");
      }
      if (!out.add(locale)) {
        throw ApiProblem.invalidParameter("locales[" + i + "]", "'" + locale + "' is listed twice");
      }
    }
    return List.copyOf(out);
  }

  private static ItemRepository.RecaptionFilter filter(JsonNode node, BatchSpec spec) {
    if (node == null || node.isNull()) {
      return new ItemRepository.RecaptionFilter(List.of(), List.of(), null, false);
    }
    if (!node.isObject()) {
      throw ApiProblem.invalidParameter(
          "filter", "must be an object: {\"itemIds\", \"skus\", \"variant\", \"failing\"}");
    }
    only(node, "filter.", "itemIds", "skus", "variant", "failing");
    List<ItemId> ids = new ArrayList<>();
    List<String> rawIds = strings(node.get("itemIds"), "filter.itemIds", MAX_LISTED);
    for (int i = 0; i < rawIds.size(); i++) {
      try {
        ids.add(ItemId.of(rawIds.get(i)));
      } catch (IllegalArgumentException e) {
        throw ApiProblem.invalidParameter(
            "filter.itemIds[" + i + "]", "'" + rawIds.get(i) + "' is not an item id (a UUID)");
      }
    }
    List<String> skus = strings(node.get("skus"), "filter.skus", MAX_LISTED);
    String variant = null;
    JsonNode v = node.get("variant");
    if (v != null && !v.isNull()) {
      if (!v.isString()) {
        throw ApiProblem.invalidParameter("filter.variant", "must be a string");
      }
      variant = v.asString();
      List<String> names = spec.variants().stream().map(VariantSpec::name).toList();
      if (!names.contains(variant)) {
        throw ApiProblem.invalidParameter(
            "filter.variant", "the batch's variants are " + names + ", not '" + variant + "'");
      }
    }
    return new ItemRepository.RecaptionFilter(
        ids, skus, variant, bool(node, "failing", "filter.failing"));
  }

  private static List<String> strings(JsonNode node, String field, int max) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw ApiProblem.invalidParameter(field, "must be an array of strings");
    }
    if (node.size() > max) {
      throw ApiProblem.invalidParameter(
          field, "lists " + node.size() + " entries; at most " + max + " are taken");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode e = node.get(i);
      if (!e.isString() || e.asString().isBlank()) {
        throw ApiProblem.invalidParameter(field + "[" + i + "]", "must be a non-empty string");
      }
      out.add(e.asString());
    }
    return out;
  }

  private static boolean bool(JsonNode parent, String name, String field) {
    JsonNode b = parent.get(name);
    if (b == null || b.isNull()) {
      return false;
    }
    if (!b.isBoolean()) {
      throw ApiProblem.invalidParameter(field, "must be true or false");
    }
    return b.asBoolean();
  }

  /** Refuses a field the request does not know (a typo must not widen the selection). */
  private static void only(JsonNode object, String prefix, String... known) {
    Set<String> names = Set.of(known);
    for (String name : object.propertyNames()) {
      if (!names.contains(name)) {
        throw ApiProblem.invalidParameter(
            prefix + name, "is not a field of this request; known: " + String.join(", ", known));
      }
    }
  }

  private static String hash(BatchId batch, JsonNode body) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(batch.toString().getBytes(StandardCharsets.UTF_8));
      sha.update(body.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BatchId batchId(String text) {
    try {
      return BatchId.of(text);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.notFound("no batch " + text);
    }
  }
}
