package io.catalogimage.api.batch;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.storage.ObjectStoreProperties;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/** The results manifest over HTTP, streamed as JSON lines while the batch runs or after. */
@Tag(name = "Batches")
@RestController
class ResultsController {

  static final MediaType NDJSON = MediaType.parseMediaType("application/x-ndjson");

  private final BatchQueries queries;
  private final ManifestLines manifest;
  private final ObjectStoreProperties storeProps;

  ResultsController(
      BatchQueries queries, ManifestLines manifest, ObjectStoreProperties storeProps) {
    this.queries = queries;
    this.manifest = manifest;
    this.storeProps = storeProps;
  }

  /**
   * One line per item and variant: sku, variant, state, image and sidecar keys and presigned URLs,
   * alt text per locale, caption, model served, attempts, cost, error.
   */
  @GetMapping(path = "/v1/batches/{batchId}/results", produces = "application/x-ndjson")
  ResponseEntity<StreamingResponseBody> results(TenantId tenant, @PathVariable String batchId) {
    BatchId id = BatchController.batchId(batchId);
    queries.batch(tenant, id).orElseThrow(() -> BatchController.batchNotFound(batchId));
    StreamingResponseBody body = out -> manifest.write(tenant, id, storeProps.presignTtl(), out);
    return ResponseEntity.ok().contentType(NDJSON).body(body);
  }
}
