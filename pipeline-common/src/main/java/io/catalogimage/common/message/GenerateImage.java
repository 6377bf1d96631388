package io.catalogimage.common.message;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import java.time.Instant;
import java.util.Objects;

/**
 * Command on the jobs topics: produce the image of one item. It carries ids only; the worker reads
 * the item from Postgres when it claims it, so a stale or duplicated record cannot cause work that
 * the database does not allow.
 *
 * @param schemaVersion {@link #SCHEMA_VERSION} when written; readers accept older versions
 * @param dispatchedAt when the dispatcher published it (for queue-time metrics)
 */
public record GenerateImage(
    int schemaVersion, TenantId tenantId, BatchId batchId, ItemId itemId, Instant dispatchedAt) {

  public static final int SCHEMA_VERSION = 1;

  public GenerateImage {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(batchId, "batchId");
    Objects.requireNonNull(itemId, "itemId");
    Objects.requireNonNull(dispatchedAt, "dispatchedAt");
  }

  public static GenerateImage of(TenantId tenant, BatchId batch, ItemId item, Instant now) {
    return new GenerateImage(SCHEMA_VERSION, tenant, batch, item, now);
  }
}
