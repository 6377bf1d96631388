package io.catalogimage.worker.result;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.storage.ObjectKeys;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.worker.claim.ClaimedItem;
import org.springframework.stereotype.Component;

/**
 * Puts an image and its sidecar in object storage under the item's deterministic keys; a retry or a
 * re-delivery overwrites the same two objects instead of adding new ones.
 */
@Component
public class ResultWriter {

  private final ObjectStore store;

  public ResultWriter(ObjectStore store) {
    this.store = store;
  }

  public record Stored(String imageKey, String sidecarKey) {}

  public Stored write(ClaimedItem item, byte[] image, String mimeType, Sidecar sidecar) {
    String imageKey =
        ObjectKeys.image(item.tenant(), item.batch(), item.sku(), item.variant().name());
    String sidecarKey =
        ObjectKeys.sidecar(item.tenant(), item.batch(), item.sku(), item.variant().name());
    store.put(imageKey, image, mimeType);
    // pretty: a person opens these
    store.put(
        sidecarKey,
        Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(sidecar),
        "application/json");
    return new Stored(imageKey, sidecarKey);
  }
}
