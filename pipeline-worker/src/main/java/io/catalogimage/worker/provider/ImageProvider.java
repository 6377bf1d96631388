package io.catalogimage.worker.provider;

import java.util.concurrent.CompletableFuture;

/**
 * The provider port: one configured endpoint (Google, OpenAI, a gateway) that generates images.
 * Calls are asynchronous and never block the caller; the future always completes with an outcome,
 * never exceptionally, so that every call can be settled in the ledger.
 */
public interface ImageProvider {

  /** The endpoint's configured name, as written in the ledger. */
  String endpoint();

  /** True when this endpoint serves the catalog model. */
  boolean serves(String model);

  CompletableFuture<ProviderOutcome> generate(GenerationRequest request);
}
