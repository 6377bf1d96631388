package io.catalogimage.worker.claim;

import io.catalogimage.common.batch.GenerationSettings;
import io.catalogimage.common.batch.ReferenceImageSource;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An item this worker holds a lease on, with everything needed to generate it.
 *
 * @param attempts real provider calls made for it so far
 * @param nextModel the model routing chose for the next attempt, or null for the tier's first
 * @param referenceImage the product photo to send along, or null
 * @param lane interactive, bulk or scheduled
 * @param deadline when the batch wants to be done, or null
 * @param costCapUsd the batch's cost cap, or null
 * @param allowSafetyReroute whether a safety block may be retried on another model
 * @param tenantMonthlyCapUsd the tenant's monthly cost cap, or null
 * @param attemptsBeforeRun calls made before the item's current run (a re-drive starts a new one)
 * @param version the row's version after the claim: every change this worker makes is guarded by it
 * @param routeReason why {@code nextModel} was chosen (written on the next attempt), or null
 * @param failuresByModel failed calls (429 without a retry delay, server error, timeout, connection
 *     lost, no image) per model in the current run: routing bounds the tries on each model
 * @param title the product's title (what its alt text must name), or null
 * @param category the product's category attribute ({@code category}, {@code product_type} or
 *     {@code google_product_category}), or null
 * @param merchantAltText locale -> the alt text the merchant set: kept as it is, never captioned
 * @param edit the edit this run makes, or null for a generation
 * @param settings the batch's model settings, passed through to every call
 * @param recaption the recaption this run makes (caption-only, no image call), or null
 * @param rateLimitsByModel 429s with a retry delay per model in the current run: the waits they add
 *     up to weigh against switching
 */
public record ClaimedItem(
    ItemId id,
    TenantId tenant,
    BatchId batch,
    String sku,
    VariantSpec variant,
    String tier,
    List<String> altTextLocales,
    String styleGuide,
    String prompt,
    int attempts,
    String nextModel,
    ReferenceImageSource referenceImage,
    String lane,
    Instant deadline,
    BigDecimal costCapUsd,
    boolean allowSafetyReroute,
    BigDecimal tenantMonthlyCapUsd,
    int attemptsBeforeRun,
    int version,
    String routeReason,
    Map<String, Integer> failuresByModel,
    Map<String, Integer> rateLimitsByModel,
    String title,
    String category,
    Map<String, String> merchantAltText,
    PendingEdit edit,
    GenerationSettings settings,
    PendingRecaption recaption) {

  /** An item claimed for a generation or an edit. */
  public ClaimedItem(
      ItemId id,
      TenantId tenant,
      BatchId batch,
      String sku,
      VariantSpec variant,
      String tier,
      List<String> altTextLocales,
      String styleGuide,
      String prompt,
      int attempts,
      String nextModel,
      ReferenceImageSource referenceImage,
      String lane,
      Instant deadline,
      BigDecimal costCapUsd,
      boolean allowSafetyReroute,
      BigDecimal tenantMonthlyCapUsd,
      int attemptsBeforeRun,
      int version,
      String routeReason,
      Map<String, Integer> failuresByModel,
      Map<String, Integer> rateLimitsByModel,
      String title,
      String category,
      Map<String, String> merchantAltText,
      PendingEdit edit,
      GenerationSettings settings) {
    this(
        id,
        tenant,
        batch,
        sku,
        variant,
        tier,
        altTextLocales,
        styleGuide,
        prompt,
        attempts,
        nextModel,
        referenceImage,
        lane,
        deadline,
        costCapUsd,
        allowSafetyReroute,
        tenantMonthlyCapUsd,
        attemptsBeforeRun,
        version,
        routeReason,
        failuresByModel,
        rateLimitsByModel,
        title,
        category,
        merchantAltText,
        edit,
        settings,
        null);
  }

  /** An item without product title or category (tests, and rows from before they were read). */
  public ClaimedItem(
      ItemId id,
      TenantId tenant,
      BatchId batch,
      String sku,
      VariantSpec variant,
      String tier,
      List<String> altTextLocales,
      String styleGuide,
      String prompt,
      int attempts,
      String nextModel,
      ReferenceImageSource referenceImage,
      String lane,
      Instant deadline,
      BigDecimal costCapUsd,
      boolean allowSafetyReroute,
      BigDecimal tenantMonthlyCapUsd,
      int attemptsBeforeRun,
      int version,
      String routeReason,
      Map<String, Integer> failuresByModel,
      Map<String, Integer> rateLimitsByModel) {
    this(
        id,
        tenant,
        batch,
        sku,
        variant,
        tier,
        altTextLocales,
        styleGuide,
        prompt,
        attempts,
        nextModel,
        referenceImage,
        lane,
        deadline,
        costCapUsd,
        allowSafetyReroute,
        tenantMonthlyCapUsd,
        attemptsBeforeRun,
        version,
        routeReason,
        failuresByModel,
        rateLimitsByModel,
        null,
        null,
        Map.of(),
        null,
        null);
  }

  /** True while the item runs a recaption: its stored image captioned again, nothing else. */
  public boolean isRecaption() {
    return recaption != null;
  }

  /** True while the item runs an edit of its image. */
  public boolean isEdit() {
    return edit != null;
  }

  public ClaimedItem {
    settings = settings == null ? GenerationSettings.NONE : settings;
    failuresByModel = failuresByModel == null ? Map.of() : Map.copyOf(failuresByModel);
    rateLimitsByModel = rateLimitsByModel == null ? Map.of() : Map.copyOf(rateLimitsByModel);
    merchantAltText = merchantAltText == null ? Map.of() : Map.copyOf(merchantAltText);
  }

  /** 429s with a retry delay from {@code model} in this run. */
  public int rateLimitsOn(String model) {
    return rateLimitsByModel.getOrDefault(model, 0);
  }

  /** Failed calls to {@code model} in this run. */
  public int failuresOn(String model) {
    return failuresByModel.getOrDefault(model, 0);
  }
}
