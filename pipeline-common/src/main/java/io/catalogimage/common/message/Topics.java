package io.catalogimage.common.message;

/**
 * Names of the Kafka topics, from one prefix so that tests and tenants of a cluster can share it.
 */
public final class Topics {

  private Topics() {}

  /** Jobs of one lane, e.g. {@code catalog.jobs.bulk}. */
  public static String jobs(String prefix, String lane) {
    return prefix + ".jobs." + lane;
  }

  /** Records a worker could not process, with diagnostic headers. */
  public static String deadLetters(String prefix, String lane) {
    return jobs(prefix, lane) + ".dlt";
  }
}
