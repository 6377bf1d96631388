package io.catalogimage.api.batch;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.catalogimage.api.budget.LearntRates;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the status endpoints answer. Money is in USD. */
public final class BatchViews {

  private BatchViews() {}

  /**
   * {@code GET /v1/batches/{id}}.
   *
   * @param costUsd what the batch's calls cost, including the estimate of calls whose outcome is
   *     unknown
   * @param possiblyBilledUsd the part of {@code costUsd} that is the estimate of calls whose
   *     outcome is unknown (a timeout, a connection lost after sending, a worker lost mid-call):
   *     the provider may or may not have charged them
   */
  public record BatchView(
      String id,
      String name,
      String tier,
      String state,
      int productCount,
      int itemCount,
      Map<String, Long> counts,
      Progress progress,
      BigDecimal costUsd,
      BigDecimal possiblyBilledUsd,
      Map<String, ModelUsage> costByModel,
      Plan plan,
      Instant createdAt,
      Instant finishedAt,
      Map<String, String> links) {}

  /**
   * How the batch is run: its lane and limits, and when it should be done.
   *
   * @param committedUsd reserved for calls in flight plus spent, counted against the cap (capped
   *     batches only)
   * @param eta estimated finish at submission, from the budgets
   * @param atRisk why the deadline looks out of reach (at submission, or at the pace so far), or
   *     null
   * @param deferredUntil the lane waits out a peak window until then
   * @param rates per model of the tier and provider account: the configured rate (the ceiling), the
   *     rate learnt from the provider now and per hour of the day
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Plan(
      String lane,
      Instant deadline,
      BigDecimal costCapUsd,
      BigDecimal committedUsd,
      boolean allowSafetyReroute,
      Instant eta,
      String atRisk,
      Instant deferredUntil,
      List<LearntRates.ModelRate> rates) {}

  /**
   * @param done items in a terminal state
   * @param percent done / total x 100, one decimal
   */
  public record Progress(long done, long total, double percent) {}

  /**
   * Calls and money per model asked, from the ledger.
   *
   * @param possiblyBilledUsd the part of {@code costUsd} charged at the estimate for calls whose
   *     outcome is unknown
   */
  public record ModelUsage(
      long calls, long images, BigDecimal costUsd, BigDecimal possiblyBilledUsd) {}

  /**
   * One row of {@code GET /v1/batches/{id}/items}.
   *
   * @param attempts image calls made for it (retries and edits included)
   * @param captionCalls caption calls made for it (alt text written from its image), apart
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ItemSummary(
      String id,
      String sku,
      String variant,
      String state,
      int attempts,
      int captionCalls,
      String modelServed,
      BigDecimal costUsd,
      String lastErrorType,
      String lastErrorMessage,
      String note,
      Instant updatedAt,
      Map<String, String> links) {}

  /** A page of items; {@code nextCursor} is null on the last page. */
  public record ItemPage(List<ItemSummary> items, String nextCursor, Map<String, String> links) {}

  /** {@code GET /v1/batches/{id}/items/{itemId}}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ItemDetail(
      String id,
      String batchId,
      String sku,
      String variant,
      String aspectRatio,
      String size,
      String state,
      String prompt,
      int attempts,
      int captionCalls,
      String modelServed,
      BigDecimal costUsd,
      String lastErrorType,
      String lastErrorMessage,
      String note,
      Instant notBefore,
      Instant createdAt,
      Instant updatedAt,
      Instant finishedAt,
      Result result,
      List<AttemptView> attemptHistory) {}

  /** Where the results are: object keys and presigned URLs valid until {@code expiresAt}. */
  public record Result(
      String imageKey, URI imageUrl, String sidecarKey, URI sidecarUrl, Instant expiresAt) {}

  /**
   * One ledger row: a real provider call and what the pipeline did about it.
   *
   * @param routed why this call went to its model when that was not the tier's first choice (an
   *     open circuit, a used-up daily quota, the previous attempt's failures or timeout), or absent
   * @param possiblyBilled true when the outcome is unknown (timeout, connection lost, worker lost):
   *     {@code costUsd} is then the estimate of a charge that may or may not have happened
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record AttemptView(
      int number,
      String endpoint,
      String modelRequested,
      String modelServed,
      String outcome,
      String decision,
      Integer httpStatus,
      String errorMessage,
      Instant startedAt,
      Instant finishedAt,
      Integer latencyMs,
      Integer tokensIn,
      Integer tokensOut,
      Integer tokensThinking,
      String imageSize,
      BigDecimal costUsd,
      String routed,
      Boolean possiblyBilled) {}
}
