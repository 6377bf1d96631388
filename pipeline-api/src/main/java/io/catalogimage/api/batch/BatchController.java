package io.catalogimage.api.batch;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.catalogimage.api.batch.BatchViews.BatchView;
import io.catalogimage.api.batch.BatchViews.ItemDetail;
import io.catalogimage.api.batch.BatchViews.ItemPage;
import io.catalogimage.api.batch.BatchViews.ItemSummary;
import io.catalogimage.api.batch.BatchViews.Progress;
import io.catalogimage.api.batch.BatchViews.Result;
import io.catalogimage.api.budget.LearntRates;
import io.catalogimage.api.budget.PeakHours;
import io.catalogimage.api.dispatch.DispatchProperties;
import io.catalogimage.api.input.Ranges;
import io.catalogimage.api.intake.BatchAccepted;
import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.common.batch.BatchState;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.catalog.Tiers;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.common.storage.ObjectStoreProperties;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Status of batches and their items, and where the results are. */
@Tag(name = "Batches")
@RestController
class BatchController {

  private static final int DEFAULT_PAGE = 100;
  private static final int MAX_PAGE = 1000;

  private final BatchQueries queries;
  private final ObjectStore store;
  private final ObjectStoreProperties storeProps;
  private final Clock clock;
  private final CancelBatches cancels;
  private final PeakHours peak;
  private final CostCaps costCaps;
  private final RedriveBatches redrives;
  private final Tiers tiers;
  private final DispatchProperties dispatchProps;
  private final LearntRates rates;

  BatchController(
      BatchQueries queries,
      ObjectStore store,
      ObjectStoreProperties storeProps,
      Clock clock,
      CancelBatches cancels,
      PeakHours peak,
      DispatchProperties dispatchProps,
      CostCaps costCaps,
      RedriveBatches redrives,
      Tiers tiers,
      LearntRates rates) {
    this.rates = rates;
    this.costCaps = costCaps;
    this.redrives = redrives;
    this.tiers = tiers;
    this.cancels = cancels;
    this.peak = peak;
    this.dispatchProps = dispatchProps;
    this.queries = queries;
    this.store = store;
    this.storeProps = storeProps;
    this.clock = clock;
  }

  /** The page of {@code GET /v1/batches}: the tenant's most recent batches, newest first. */
  record BatchList(List<BatchView> batches) {}

  /**
   * The tenant's most recent batches, newest first, each as {@code GET /v1/batches/{id}} shows it.
   *
   * @param limit how many (default 20, at most 100)
   */
  @GetMapping("/v1/batches")
  BatchList batches(TenantId tenant, @RequestParam(required = false) Integer limit) {
    int n = limit == null ? 20 : limit;
    if (n < 1 || n > 100) {
      throw ApiProblem.invalidParameter("limit", "must be between 1 and 100");
    }
    return new BatchList(
        queries.recent(tenant, n).stream().map(id -> batch(tenant, id.toString())).toList());
  }

  /**
   * Where a batch stands: item counts by state, progress, cost (in all and by model), the plan
   * (lane, deadline, ETA, whether it is at risk, whether peak hours defer it) and its links. An
   * upload's items still being made (larger uploads, seconds after the 202) count as QUEUED.
   */
  @GetMapping("/v1/batches/{batchId}")
  BatchView batch(TenantId tenant, @PathVariable String batchId) {
    BatchId id = batchId(batchId);
    BatchQueries.BatchRow row = queries.batch(tenant, id).orElseThrow(() -> batchNotFound(batchId));
    Map<ItemState, BatchQueries.StateCount> counts = queries.counts(tenant, id);
    Map<ItemState, Long> byState = new EnumMap<>(ItemState.class);
    BigDecimal cost = BigDecimal.ZERO;
    long done = 0;
    for (var c : counts.values()) {
      byState.put(c.state(), c.count());
      cost = cost.add(c.cost());
      if (c.state().isTerminal()) {
        done += c.count();
      }
    }
    if (row.itemsPending()) {
      // an upload's items are being made right now (ExpandBatches): all of them wait to run
      byState.put(ItemState.QUEUED, (long) row.itemCount());
    }
    Map<String, Long> countsOut = new LinkedHashMap<>();
    byState.forEach((s, n) -> countsOut.put(s.name(), n));
    Map<String, BatchViews.ModelUsage> usage = queries.usageByModel(tenant, id);
    long total = row.itemCount();
    double percent = total == 0 ? 100.0 : Math.round(done * 1000.0 / total) / 10.0;
    return new BatchView(
        id.toString(),
        row.name(),
        row.tier(),
        BatchState.of(byState).name(),
        row.productCount(),
        row.itemCount(),
        countsOut,
        new Progress(done, total, percent),
        cost,
        usage.values().stream()
            .map(BatchViews.ModelUsage::possiblyBilledUsd)
            .reduce(BigDecimal.ZERO, BigDecimal::add),
        usage,
        plan(row, byState),
        row.createdAt(),
        row.finishedAt(),
        BatchAccepted.links(id));
  }

  private BatchViews.Plan plan(BatchQueries.BatchRow row, Map<ItemState, Long> byState) {
    Instant now = clock.instant();
    Instant deferredUntil = null;
    if (peak.defers(row.lane()) && byState.getOrDefault(ItemState.QUEUED, 0L) > 0) {
      Instant end = peak.currentWindowEnd(now).orElse(null);
      if (end != null && !dispatchProps.deadlineNeedsPeak(row.deadline(), end)) {
        deferredUntil = end;
      }
    }
    return new BatchViews.Plan(
        row.lane(),
        row.deadline(),
        row.costCapUsd(),
        row.costCapUsd() == null ? null : row.committedUsd(),
        row.allowSafetyReroute(),
        row.eta(),
        row.atRisk(),
        deferredUntil,
        tiers
            .chain(row.tier())
            .map(chain -> rates.of(chain.stream().map(m -> m.id()).toList()))
            .orElse(null));
  }

  /**
   * Stops a batch: queued items end CANCELLED at once, calls in flight finish. Answers the batch as
   * it stands, with how many items this request cancelled.
   */
  @PostMapping("/v1/batches/{batchId}/cancel")
  @ApiResponse(responseCode = "202", description = "cancelled: how many items now, and the batch")
  ResponseEntity<Map<String, Object>> cancel(TenantId tenant, @PathVariable String batchId) {
    BatchId id = batchId(batchId);
    int cancelled = cancels.cancel(tenant, id, clock.instant());
    if (cancelled < 0) {
      throw batchNotFound(batchId);
    }
    return ResponseEntity.accepted()
        .body(Map.of("cancelledItems", cancelled, "batch", batch(tenant, batchId)));
  }

  /**
   * The optional body of {@code POST /v1/batches/{id}/retry}.
   *
   * @param tier run them on this tier instead (the batch's tier changes)
   * @param states which items: any of FAILED, BLOCKED, CANCELLED (default all three)
   */
  record RetryRequest(String tier, List<String> states) {}

  /**
   * Re-drive: failed, blocked or cancelled items run again (optionally on another tier); succeeded
   * items are kept, and a cancelled batch is no longer cancelled once CANCELLED items are asked
   * for. Answers how many run again and the batch.
   */
  @PostMapping("/v1/batches/{batchId}/retry")
  @ApiResponse(responseCode = "202", description = "how many items run again, and the batch")
  ResponseEntity<Map<String, Object>> retry(
      TenantId tenant,
      @PathVariable String batchId,
      @RequestBody(required = false) RetryRequest body) {
    BatchId id = batchId(batchId);
    queries.batch(tenant, id).orElseThrow(() -> batchNotFound(batchId));
    String tier = body == null ? null : body.tier();
    if (tier != null && !tiers.names().contains(tier)) {
      throw ApiProblem.invalidParameter(
          "tier", "unknown tier '" + tier + "': use one of " + tiers.names());
    }
    Set<ItemState> states = EnumSet.of(ItemState.FAILED, ItemState.BLOCKED, ItemState.CANCELLED);
    if (body != null && body.states() != null && !body.states().isEmpty()) {
      states = EnumSet.noneOf(ItemState.class);
      for (String s : body.states()) {
        ItemState state =
            Arrays.stream(ItemState.values())
                .filter(v -> v.name().equals(s))
                .findFirst()
                .orElse(null);
        if (state != ItemState.FAILED
            && state != ItemState.BLOCKED
            && state != ItemState.CANCELLED) {
          throw ApiProblem.invalidParameter(
              "states", "'" + s + "' cannot be re-driven: use FAILED, BLOCKED or CANCELLED");
        }
        states.add(state);
      }
    }
    int retried = redrives.redrive(tenant, id, states, tier, clock.instant());
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("retriedItems", retried);
    answer.put("batch", batch(tenant, batchId));
    return ResponseEntity.accepted().body(answer);
  }

  /**
   * The body of {@code PUT /v1/batches/{id}/cost-cap}; an explicit null removes the cap, an absent
   * field is an error (a body without it must not remove a cap by accident).
   */
  record CostCapRequest(@JsonProperty(required = true) BigDecimal costCapUsd) {}

  /**
   * Sets, raises or removes the batch's cost cap. Items that stopped at the old cap (CAP_REACHED)
   * run again when the new one leaves room; the answer says how many and shows the batch.
   */
  @PutMapping("/v1/batches/{batchId}/cost-cap")
  Map<String, Object> costCap(
      TenantId tenant, @PathVariable String batchId, @RequestBody CostCapRequest body) {
    BatchId id = batchId(batchId);
    if (body == null) {
      throw ApiProblem.invalidParameter("costCapUsd", "a body {\"costCapUsd\": ...} is required");
    }
    Ranges.money(body.costCapUsd())
        .ifPresent(
            why -> {
              throw ApiProblem.invalidParameter(
                  "costCapUsd", why + " (send null to remove the cap)");
            });
    CostCaps.Changed changed;
    try {
      changed =
          costCaps
              .setCap(tenant, id, body.costCapUsd(), clock.instant())
              .orElseThrow(() -> batchNotFound(batchId));
    } catch (IllegalStateException cancelled) {
      throw new ApiProblem(
          HttpStatus.CONFLICT, ProblemTypes.CONFLICT, "Batch cancelled", cancelled.getMessage());
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("resumedItems", changed.resumedItems());
    answer.put("committedUsd", changed.committedUsd());
    answer.put("batch", batch(tenant, batchId));
    return answer;
  }

  /**
   * The batch's items in order (product, then variant), a page at a time.
   *
   * @param state only items in this state (QUEUED, DISPATCHED, RUNNING, IN_PROVIDER_BATCH,
   *     SUCCEEDED, FAILED, BLOCKED, CANCELLED, CAP_REACHED)
   * @param cursor the previous page's {@code nextCursor}
   * @param limit items per page (default 100, at most 1000)
   */
  @GetMapping("/v1/batches/{batchId}/items")
  ItemPage items(
      TenantId tenant,
      @PathVariable String batchId,
      @RequestParam(required = false) String state,
      @RequestParam(required = false) String cursor,
      @RequestParam(required = false) Integer limit) {
    BatchId id = batchId(batchId);
    int pageSize = limit == null ? DEFAULT_PAGE : limit;
    if (pageSize < 1 || pageSize > MAX_PAGE) {
      throw ApiProblem.invalidParameter("limit", "must be between 1 and " + MAX_PAGE);
    }
    Optional<ItemState> filter = Optional.ofNullable(state).map(BatchController::itemState);
    List<BatchQueries.ItemRow> rows =
        queries.items(tenant, id, filter, Cursor.decode(cursor), pageSize + 1);
    // the page's query is scoped to the tenant too: only an empty page needs to ask whether the
    // batch is there at all (one query less on every page that has items)
    if (rows.isEmpty() && queries.batch(tenant, id).isEmpty()) {
      throw batchNotFound(batchId);
    }
    boolean more = rows.size() > pageSize;
    List<BatchQueries.ItemRow> page = more ? rows.subList(0, pageSize) : rows;
    String base = "/v1/batches/" + id + "/items";
    List<ItemSummary> items =
        page.stream()
            .map(
                r ->
                    new ItemSummary(
                        r.id().toString(),
                        r.sku(),
                        r.variant(),
                        r.state(),
                        r.attempts(),
                        r.captionCalls(),
                        r.modelServed(),
                        r.cost(),
                        r.lastErrorType(),
                        r.lastErrorMessage(),
                        r.note(),
                        r.updatedAt(),
                        Map.of("self", base + "/" + r.id())))
            .toList();
    String next = more ? Cursor.after(page.get(page.size() - 1).itemNo()) : null;
    Map<String, String> links = new LinkedHashMap<>();
    links.put("batch", "/v1/batches/" + id);
    if (next != null) {
      links.put(
          "next",
          base
              + "?cursor="
              + next
              + "&limit="
              + pageSize
              + (state == null ? "" : "&state=" + state.toUpperCase()));
    }
    return new ItemPage(items, next, links);
  }

  /**
   * One item: its prompt, state, attempts (each provider call: model asked and served, outcome,
   * latency, cost), presigned URLs of its image and sidecar (alt text per locale, caption), and why
   * it waits or failed.
   */
  @GetMapping("/v1/batches/{batchId}/items/{itemId}")
  ItemDetail item(TenantId tenant, @PathVariable String batchId, @PathVariable String itemId) {
    BatchId batch = batchId(batchId);
    ItemId item = itemId(itemId);
    BatchQueries.ItemDetailRow r =
        queries
            .item(tenant, batch, item)
            .orElseThrow(() -> ApiProblem.notFound("no item " + itemId + " in batch " + batchId));
    VariantSpec variant = r.spec().variant(r.variant());
    Result result = null;
    if (r.imageKey() != null) {
      Instant expires = clock.instant().plus(storeProps.presignTtl());
      result =
          new Result(
              r.imageKey(),
              store.presignedGet(r.imageKey(), storeProps.presignTtl()),
              r.sidecarKey(),
              store.presignedGet(r.sidecarKey(), storeProps.presignTtl()),
              expires);
    }
    return new ItemDetail(
        item.toString(),
        batch.toString(),
        r.sku(),
        r.variant(),
        variant.aspectRatio(),
        variant.size(),
        r.state(),
        r.prompt(),
        r.attempts(),
        r.captionCalls(),
        r.modelServed(),
        r.cost(),
        r.lastErrorType(),
        r.lastErrorMessage(),
        r.note(),
        r.notBefore(),
        r.createdAt(),
        r.updatedAt(),
        r.finishedAt(),
        result,
        queries.attempts(tenant, item));
  }

  private static ItemState itemState(String text) {
    try {
      return ItemState.valueOf(text.toUpperCase());
    } catch (IllegalArgumentException e) {
      throw ApiProblem.invalidParameter(
          "state", "must be one of " + Arrays.toString(ItemState.values()));
    }
  }

  static BatchId batchId(String text) {
    try {
      return BatchId.of(text);
    } catch (IllegalArgumentException e) {
      throw batchNotFound(text);
    }
  }

  private static ItemId itemId(String text) {
    try {
      return ItemId.of(text);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.notFound("no item " + text);
    }
  }

  static ApiProblem batchNotFound(String id) {
    return ApiProblem.notFound("no batch " + id);
  }
}
