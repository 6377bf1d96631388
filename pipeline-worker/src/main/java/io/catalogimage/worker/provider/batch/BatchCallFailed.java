package io.catalogimage.worker.provider.batch;

/**
 * A batch API call did not get a usable answer (connection failed, 5xx, 429, unreadable body). The
 * job's state is unchanged as far as we know: the caller retries later. {@code permanent} marks an
 * answer that retrying cannot fix (400, 401, 404).
 */
public final class BatchCallFailed extends RuntimeException {
  private final boolean permanent;

  public BatchCallFailed(String message, boolean permanent, Throwable cause) {
    super(message, cause);
    this.permanent = permanent;
  }

  public boolean permanent() {
    return permanent;
  }

  /** Classifies an HTTP status that is not a success. */
  public static BatchCallFailed ofStatus(String what, int status, String body) {
    boolean permanent = status >= 400 && status < 500 && status != 408 && status != 429;
    String snippet = body == null ? "" : body.length() > 300 ? body.substring(0, 300) : body;
    return new BatchCallFailed(what + ": HTTP " + status + " " + snippet, permanent, null);
  }
}
