package io.catalogimage.worker.provider.batch;

import io.catalogimage.worker.provider.ProviderOutcome;
import java.util.Collection;

/** One finished line of a job: its key and what the provider answered, in our terms. */
public record BatchLineResult(String key, ProviderOutcome outcome) {

  /**
   * Gives back the image this line holds in the worker's spool, for a result that is not stored (a
   * late line, a key that is not ours, a read that failed half-way): the spool is the worker's byte
   * budget, and an image never released would hold it, and its file, for good.
   */
  public void discard() {
    if (outcome instanceof ProviderOutcome.Generated g) {
      g.image().release();
    }
  }

  /** {@link #discard()} for each of them. */
  public static void discardAll(Collection<BatchLineResult> results) {
    results.forEach(BatchLineResult::discard);
  }
}
