package io.catalogimage.cli;

/**
 * What the client's exit status tells a script. Stable: scripts switch on these numbers.
 *
 * <p>1 is left to the JVM (an uncaught error): a status the client chose is never 1.
 */
public final class ExitCode {

  private ExitCode() {}

  /** Done: the batch finished and every item succeeded, or the action was taken. */
  public static final int OK = 0;

  /** Unknown command or option, or a missing argument: nothing was sent. */
  public static final int USAGE = 2;

  /** The batch finished, but some items did not succeed (FAILED, BLOCKED, CANCELLED...). */
  public static final int FINISHED_WITH_FAILURES = 3;

  /** The api refused the request (4xx: an invalid catalog, an unknown batch), or a bad file. */
  public static final int REFUSED = 4;

  /** No, a wrong or a revoked API key (401, 403, too many failed authentications). */
  public static final int AUTHENTICATION = 5;

  /** The api failed (5xx) or could not be reached, or a download failed. */
  public static final int UNAVAILABLE = 6;

  /** The batch has not finished: {@code watch --timeout} ran out, or results of a running batch. */
  public static final int NOT_FINISHED = 7;

  /** Interrupted (Ctrl-C). */
  public static final int INTERRUPTED = 130;
}
