package io.catalogimage.worker.result;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.storage.ObjectKeys;
import io.catalogimage.common.storage.ObjectStore;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * Puts one attempt's image and sidecar in object storage under that attempt's keys ({@link
 * ObjectKeys#image(TenantId, BatchId, String, String, int)}): a retry of the same attempt
 * overwrites its own objects, and no attempt can overwrite another's.
 */
@Component
public class ResultWriter {

  private final ObjectStore store;

  public ResultWriter(ObjectStore store) {
    this.store = store;
  }

  public record Stored(String imageKey, String sidecarKey) {}

  /** Whose result it is: the item's identity and the attempt that made it. */
  public record Target(TenantId tenant, BatchId batch, String sku, String variant, int attempt) {
    String imageKey() {
      return ObjectKeys.image(tenant, batch, sku, variant, attempt);
    }

    String sidecarKey() {
      return ObjectKeys.sidecar(tenant, batch, sku, variant, attempt);
    }
  }

  /**
   * Throws when the store refuses or cannot be reached; the caller retries. The sidecar is made
   * once the image is stored: it carries the image's SHA-256, which the image's PUT may have
   * computed ({@link ResultSpool.Held#sha256}).
   */
  public Stored write(
      Target target, ResultSpool.Held image, String mimeType, Supplier<byte[]> sidecarJson) {
    // a JPEG (OpenAI's outputFormat: jpeg) is named as one
    String imageKey =
        "image/jpeg".equals(mimeType)
            ? target.imageKey().replaceFirst("\\.png$", ".jpg")
            : target.imageKey();
    image.putTo(store, imageKey, mimeType);
    store.put(target.sidecarKey(), sidecarJson.get(), "application/json");
    return new Stored(imageKey, target.sidecarKey());
  }
}
