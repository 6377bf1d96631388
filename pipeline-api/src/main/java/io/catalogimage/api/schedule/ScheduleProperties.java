package io.catalogimage.api.schedule;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Nightly runs from merchants' feeds.
 *
 * @param enabled false: schedules can be managed but nothing fires here (default true)
 * @param pollInterval how often the scheduler looks for due firings and runs (default 10s)
 * @param threads runs worked at once by one api instance (default 4)
 * @param heartbeatInterval a run's liveness beat; a run whose api died is taken over after six
 *     missed beats (default 30s)
 * @param credentialsKey base64 of 32 bytes: the AES-256-GCM key that seals feed credentials in the
 *     database (none: credentials can only be given as a {@code secretRef})
 * @param secretsDir a directory of secrets by tenant, {@code <dir>/<tenant-id>/<name>} (e.g. a
 *     mounted Kubernetes secret); without it a {@code secretRef} names the environment variable
 *     {@code FEED_SECRET_<TENANT-ID-HEX>_<NAME>}
 * @param allowHttp accept plain http feed URLs (local runs only; default false)
 * @param allowPrivateAddresses fetch feeds from internal addresses (tests only; default false)
 * @param trustedHosts hosts fetched from even when internal (a feed server on your network)
 * @param connectTimeout connecting to a feed host and waiting for its answer (default 30s)
 * @param readTimeout longest silence while a feed downloads before the attempt fails (default 60s)
 * @param maxRedirects redirects followed, each checked again (default 5)
 * @param maxFeedSize largest feed, counted after decompression (default 4GB, as Merchant Center)
 * @param maxFeedProducts most products in one feed (default 2,000,000)
 * @param fetchRetryBase first wait after a failed fetch, doubled each time (default 1m)
 * @param fetchRetryMax longest wait between fetch attempts (default 30m)
 * @param maxFetchAttempts attempts of a run without a deadline before it fails (default 12)
 * @param generationReserve time kept before a deadline for generating, when giving up on a feed
 *     (default 1h; the last run's generation time when longer)
 * @param holdWhenLost default share of the last catalog's products a feed may lose before its run
 *     is held for confirmation (default 0.5)
 * @param maxMissedRecorded missed firings recorded one by one after an outage (default 31)
 * @param maxReportedRows bad rows kept per run with their line (default 1000; all are counted)
 * @param zones time zones accepted in schedules; empty = every region zone of the JDK
 */
@ConfigurationProperties("pipeline.schedules")
public record ScheduleProperties(
    Boolean enabled,
    Duration pollInterval,
    Integer threads,
    Duration heartbeatInterval,
    String credentialsKey,
    Path secretsDir,
    Boolean allowHttp,
    Boolean allowPrivateAddresses,
    List<String> trustedHosts,
    Duration connectTimeout,
    Duration readTimeout,
    Integer maxRedirects,
    DataSize maxFeedSize,
    Integer maxFeedProducts,
    Duration fetchRetryBase,
    Duration fetchRetryMax,
    Integer maxFetchAttempts,
    Duration generationReserve,
    Double holdWhenLost,
    Integer maxMissedRecorded,
    Integer maxReportedRows,
    List<String> zones) {

  public ScheduleProperties {
    enabled = enabled == null || enabled;
    pollInterval = pollInterval == null ? Duration.ofSeconds(10) : pollInterval;
    threads = threads == null ? 4 : threads;
    heartbeatInterval = heartbeatInterval == null ? Duration.ofSeconds(30) : heartbeatInterval;
    credentialsKey = credentialsKey == null || credentialsKey.isBlank() ? null : credentialsKey;
    if (credentialsKey != null) {
      byte[] key;
      try {
        key = Base64.getDecoder().decode(credentialsKey.strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "pipeline.schedules.credentials-key must be base64 (of 32 random bytes)");
      }
      if (key.length != 32) {
        throw new IllegalArgumentException(
            "pipeline.schedules.credentials-key must be 32 bytes in base64 (openssl rand -base64"
                + " 32), not "
                + key.length);
      }
    }
    allowHttp = allowHttp != null && allowHttp;
    allowPrivateAddresses = allowPrivateAddresses != null && allowPrivateAddresses;
    trustedHosts = trustedHosts == null ? List.of() : List.copyOf(trustedHosts);
    connectTimeout = connectTimeout == null ? Duration.ofSeconds(30) : connectTimeout;
    readTimeout = readTimeout == null ? Duration.ofSeconds(60) : readTimeout;
    maxRedirects = maxRedirects == null ? 5 : maxRedirects;
    maxFeedSize = maxFeedSize == null ? DataSize.ofGigabytes(4) : maxFeedSize;
    maxFeedProducts = maxFeedProducts == null ? 2_000_000 : maxFeedProducts;
    fetchRetryBase = fetchRetryBase == null ? Duration.ofMinutes(1) : fetchRetryBase;
    fetchRetryMax = fetchRetryMax == null ? Duration.ofMinutes(30) : fetchRetryMax;
    maxFetchAttempts = maxFetchAttempts == null ? 12 : maxFetchAttempts;
    generationReserve = generationReserve == null ? Duration.ofHours(1) : generationReserve;
    holdWhenLost = holdWhenLost == null ? 0.5 : holdWhenLost;
    if (holdWhenLost <= 0 || holdWhenLost > 1) {
      throw new IllegalArgumentException(
          "pipeline.schedules.hold-when-lost must be more than 0 and at most 1");
    }
    maxMissedRecorded = maxMissedRecorded == null ? 31 : maxMissedRecorded;
    maxReportedRows = maxReportedRows == null ? 1000 : maxReportedRows;
    zones = zones == null ? List.of() : List.copyOf(zones);
    if (threads < 1 || maxRedirects < 0 || maxFetchAttempts < 1 || maxFeedProducts < 1) {
      throw new IllegalArgumentException(
          "pipeline.schedules: threads, max-fetch-attempts and max-feed-products must be at least"
              + " 1, max-redirects at least 0");
    }
  }

  /** The key that seals credentials, or null when none is configured. */
  byte[] credentialsKeyBytes() {
    return credentialsKey == null ? null : Base64.getDecoder().decode(credentialsKey.strip());
  }
}
