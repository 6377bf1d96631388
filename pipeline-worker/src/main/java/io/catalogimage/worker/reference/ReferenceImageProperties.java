package io.catalogimage.worker.reference;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Fetching items' reference product photos.
 *
 * @param maxSize largest photo accepted (default 10MB; Gemini takes inline images up to 20 MB per
 *     request)
 * @param timeout for connecting and for the whole download (default 20s)
 * @param maxRedirects redirects followed, each checked like the first URL (default 3)
 * @param allowPrivateAddresses fetch from loopback, link-local and private addresses too (default
 *     false: a merchant's URL must not reach our internal network); for tests or a trusted internal
 *     image host
 * @param trustedHosts host names or addresses fetched from even when internal (e.g. an image server
 *     on the company network), without opening every internal address (default none)
 */
@ConfigurationProperties("pipeline.reference-images")
public record ReferenceImageProperties(
    DataSize maxSize,
    Duration timeout,
    Integer maxRedirects,
    Boolean allowPrivateAddresses,
    List<String> trustedHosts) {

  public ReferenceImageProperties {
    maxSize = maxSize == null ? DataSize.ofMegabytes(10) : maxSize;
    timeout = timeout == null ? Duration.ofSeconds(20) : timeout;
    maxRedirects = maxRedirects == null ? 3 : maxRedirects;
    allowPrivateAddresses = allowPrivateAddresses != null && allowPrivateAddresses;
    trustedHosts = trustedHosts == null ? List.of() : List.copyOf(trustedHosts);
    if (maxSize.toBytes() < 1 || maxRedirects < 0) {
      throw new IllegalArgumentException(
          "pipeline.reference-images.max-size must be positive and max-redirects at least 0");
    }
  }
}
