package io.catalogimage.worker.run;

/**
 * Lifecycle phases of the worker's parts: higher starts later and stops earlier. Consumers stop
 * first (no new work), then the runner drains, and lease renewal runs until the very end.
 */
public final class Phases {

  /** Keys are checked before anything else starts (nothing stops late for it). */
  public static final int CHECK_KEYS = Integer.MAX_VALUE - 400;

  public static final int RENEW_LEASES = Integer.MAX_VALUE - 300;
  public static final int GENERATE = Integer.MAX_VALUE - 200;
  public static final int CONSUME = Integer.MAX_VALUE - 100;

  private Phases() {}
}
