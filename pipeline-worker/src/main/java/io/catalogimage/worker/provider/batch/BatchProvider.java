package io.catalogimage.worker.provider.batch;

import io.catalogimage.worker.provider.GenerationRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The batch port: one configured endpoint that runs many image requests as one provider job at the
 * batch price (Gemini {@code batchGenerateContent}, OpenAI {@code /v1/batches}). Calls block the
 * calling thread (they run on the batch lane's own executor, never on a consumer thread); a
 * transport failure or server error throws {@link BatchCallFailed}, which the caller retries.
 */
public interface BatchProvider {

  /** The endpoint's configured name, as written in the ledger. */
  String endpoint();

  /** True when this endpoint can batch the catalog model. */
  boolean serves(String model);

  /** The most lines one job may hold on this endpoint (the provider's size limit). */
  int maxLines();

  /** Submits one job; every line's key comes back with its result. */
  BatchJobStatus submit(String model, String displayName, List<BatchLine> lines);

  BatchJobStatus poll(String jobId);

  /**
   * The job this endpoint holds under {@code displayName} (Gemini's {@code displayName}, OpenAI's
   * {@code metadata.name}), looked up through the provider's list call, newest first, stopping at
   * jobs created before {@code createdAfter}: how a worker learns whether a submit whose answer was
   * lost (a crash, a reset connection) reached the provider. Empty when the provider has no such
   * job.
   */
  Optional<BatchJobStatus> find(String displayName, Instant createdAfter);

  /** Asks the provider to cancel; lines finished before the cancel still come back. */
  BatchJobStatus cancel(String jobId);

  /**
   * The results of an ended job, one per finished line, classified like a real-time answer. Lines
   * absent from the list did not run (expired or cancelled): the caller runs them another way.
   *
   * @param lines the job's lines as submitted (for the request each key stands for)
   */
  List<BatchLineResult> results(BatchJobStatus status, List<BatchLine> lines);

  /** One request of a job and the key that maps its result back to its item. */
  record BatchLine(String key, GenerationRequest request) {}
}
