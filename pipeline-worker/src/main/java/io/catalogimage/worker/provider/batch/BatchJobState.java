package io.catalogimage.worker.provider.batch;

/** A provider job's state in our terms (both vendors' state names map onto these). */
public enum BatchJobState {
  PENDING,
  RUNNING,
  SUCCEEDED,
  /** The whole job failed (validation); no line ran. */
  FAILED,
  /** The window passed: the lines finished by then have results, the others did not run. */
  EXPIRED,
  CANCELLING,
  CANCELLED;

  /** True when the job will not change any more and its results can be read. */
  public boolean ended() {
    return this == SUCCEEDED || this == FAILED || this == EXPIRED || this == CANCELLED;
  }
}
