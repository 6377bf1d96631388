package io.catalogimage.worker.batchlane;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.ProviderProperties;
import io.catalogimage.worker.provider.Providers;
import io.catalogimage.worker.provider.batch.BatchProvider;
import io.catalogimage.worker.result.ResultSpool;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Component;

/** The batch client of every usable endpoint, in configuration order. */
@Component
public class BatchEndpoints {

  private final List<BatchProvider> endpoints;

  /**
   * @param spool the worker's spool: a job's images are held in it, and counted in its byte budget,
   *     like real-time answers
   */
  public BatchEndpoints(
      ProviderProperties props, ModelCatalog catalog, BatchLaneProperties lane, ResultSpool spool) {
    this.endpoints =
        List.copyOf(
            Providers.batchClients(
                props, catalog, Json.mapper(), lane.geminiInlineLimitBytes(), spool));
  }

  public Optional<BatchProvider> forModel(String model) {
    return endpoints.stream().filter(e -> e.serves(model)).findFirst();
  }

  public Optional<BatchProvider> named(String endpoint) {
    return endpoints.stream().filter(e -> e.endpoint().equals(endpoint)).findFirst();
  }

  /**
   * The endpoint as the ledger and the price table know it (by name). A batch line is never called
   * through it: its answer comes from the job.
   */
  static ImageProvider asLedgerEndpoint(BatchProvider batch) {
    return new ImageProvider() {
      @Override
      public String endpoint() {
        return batch.endpoint();
      }

      @Override
      public boolean serves(String model) {
        return batch.serves(model);
      }

      @Override
      public CompletableFuture<ProviderOutcome> generate(GenerationRequest request) {
        throw new UnsupportedOperationException("a batch line is answered by its provider job");
      }
    };
  }
}
