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

  /**
   * The longest any call to this endpoint may take (its {@code request-timeout}); null: unknown.
   */
  default java.time.Duration requestTimeout() {
    return null;
  }

  /** True when this endpoint serves the catalog model. */
  boolean serves(String model);

  CompletableFuture<ProviderOutcome> generate(GenerationRequest request);

  /** True when this endpoint serves the vision text model (the captioning step's). */
  default boolean servesCaptions(String model) {
    return false;
  }

  /**
   * Asks a vision text model about an image: {@link ProviderOutcome.Described} on success, the
   * usual failure outcomes otherwise; never completes exceptionally.
   */
  default CompletableFuture<ProviderOutcome> describe(CaptionRequest request) {
    return CompletableFuture.completedFuture(
        new ProviderOutcome.Rejected(
            endpoint() + " does not serve caption models",
            CallInfo.noAnswer(java.time.Duration.ZERO)));
  }

  /**
   * Looks the catalog model up on this endpoint (Gemini's models.get, OpenAI's {@code GET
   * /v1/models/{id}}): authenticated like a generation call but free and unbilled, so the worker
   * learns at start-up whether the key is accepted and the model id exists. Completes with {@link
   * ProviderOutcome.Described} when the model is found, {@link ProviderOutcome.KeyRefused} for a
   * refused key, a 404 {@link ProviderOutcome.Rejected} for an unknown model, or the failure the
   * call met; never exceptionally. An endpoint that cannot look models up answers {@link
   * ProviderOutcome.Rejected} with no HTTP status.
   */
  default CompletableFuture<ProviderOutcome> lookUp(String model, java.time.Duration timeout) {
    return CompletableFuture.completedFuture(
        new ProviderOutcome.Rejected(
            endpoint() + " cannot look models up", CallInfo.noAnswer(java.time.Duration.ZERO)));
  }
}
