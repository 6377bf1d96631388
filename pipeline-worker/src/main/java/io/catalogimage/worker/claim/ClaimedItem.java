package io.catalogimage.worker.claim;

import io.catalogimage.common.batch.ReferenceImageSource;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

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
    int attemptsBeforeRun) {}
