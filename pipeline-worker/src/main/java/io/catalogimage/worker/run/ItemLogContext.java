package io.catalogimage.worker.run;

import io.catalogimage.worker.claim.ClaimedItem;
import org.slf4j.MDC;

/**
 * The item's tenant, batch and item ids in the logging context (MDC) while a thread works on it:
 * structured logs ({@code logging.structured.format.console=ecs}) carry them as fields, so one
 * item's story can be found across workers.
 */
final class ItemLogContext implements AutoCloseable {

  private ItemLogContext() {}

  static ItemLogContext of(ClaimedItem item) {
    MDC.put("tenant_id", item.tenant().toString());
    MDC.put("batch_id", item.batch().toString());
    MDC.put("item_id", item.id().toString());
    MDC.put("sku", item.sku());
    return new ItemLogContext();
  }

  @Override
  public void close() {
    MDC.remove("tenant_id");
    MDC.remove("batch_id");
    MDC.remove("item_id");
    MDC.remove("sku");
  }
}
