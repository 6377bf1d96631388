package io.catalogimage.api.auth;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who may call the api, and how hard failed attempts are limited.
 *
 * @param adminToken the bearer token of the admin api ({@code /v1/admin/**}: tenants and keys) and
 *     of the non-public actuator endpoints; without it they answer 401 to everyone. At least 32
 *     characters outside the local mode
 * @param bootstrapKey an API key for the default tenant, created at start-up if missing (the local
 *     mode and tests; in production issue keys through the admin api)
 * @param failedAuthPerMinute failed authentications allowed per client address and minute; more get
 *     429 (default 20)
 * @param failedAuthPerKeyPerMinute failed authentications allowed per API key prefix and minute,
 *     from all addresses together; more get 429 for that prefix (default 20)
 * @param trustedProxies addresses or CIDR ranges of the load balancers in front of the api (e.g.
 *     {@code 10.0.0.0/8}); only a request from one of them has its client address taken from {@code
 *     X-Forwarded-For} (default none: the connection's address is the client)
 * @param trackedClients addresses and key prefixes remembered for the limits, each (default
 *     100,000; past it the least useful entries are evicted, never all at once)
 * @param cors browsers' cross-origin access; closed unless origins are listed
 */
@ConfigurationProperties("pipeline.security")
public record SecurityProperties(
    String adminToken,
    String bootstrapKey,
    Integer failedAuthPerMinute,
    Integer failedAuthPerKeyPerMinute,
    List<String> trustedProxies,
    Integer trackedClients,
    Cors cors) {

  /**
   * @param allowedOrigins origins whose pages may call the api from a browser, e.g. {@code
   *     https://admin.example.com} (default none: no cross-origin access)
   */
  public record Cors(List<String> allowedOrigins) {
    public Cors {
      allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
      for (String origin : allowedOrigins) {
        if (origin.equals("*") || !origin.matches("https?://[^/\\s]+")) {
          throw new IllegalArgumentException(
              "pipeline.security.cors.allowed-origins: '"
                  + origin
                  + "' is not an origin like https://admin.example.com (no wildcard, no path)");
        }
      }
    }
  }

  public SecurityProperties {
    adminToken = adminToken == null || adminToken.isBlank() ? null : adminToken;
    bootstrapKey = bootstrapKey == null || bootstrapKey.isBlank() ? null : bootstrapKey;
    failedAuthPerMinute = failedAuthPerMinute == null ? 20 : failedAuthPerMinute;
    failedAuthPerKeyPerMinute = failedAuthPerKeyPerMinute == null ? 20 : failedAuthPerKeyPerMinute;
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    trackedClients = trackedClients == null ? 100_000 : trackedClients;
    cors = cors == null ? new Cors(null) : cors;
    if (failedAuthPerMinute < 1 || failedAuthPerKeyPerMinute < 1) {
      throw new IllegalArgumentException(
          "pipeline.security.failed-auth-per-minute and -per-key-per-minute must be >= 1");
    }
    if (trackedClients < 100) {
      throw new IllegalArgumentException("pipeline.security.tracked-clients must be >= 100");
    }
    if (bootstrapKey != null && ApiKeyFormat.parse(bootstrapKey).isEmpty()) {
      throw new IllegalArgumentException(
          "pipeline.security.bootstrap-key is not an API key (cip_<10 chars>_<32 chars>)");
    }
    if (adminToken != null && ApiKeyFormat.parse(adminToken).isPresent()) {
      throw new IllegalArgumentException(
          "pipeline.security.admin-token must not look like an API key (cip_...)");
    }
    for (String proxy : trustedProxies) {
      ClientAddresses.checkRange(proxy);
    }
  }

  /** Never the token or the key: this is what logs and error messages show. */
  @Override
  public String toString() {
    return "SecurityProperties[adminToken="
        + (adminToken == null ? "<none>" : "<set>")
        + ", bootstrapKey="
        + (bootstrapKey == null ? "<none>" : ApiKeyFormat.parse(bootstrapKey).orElse("?") + "_...")
        + ", failedAuthPerMinute="
        + failedAuthPerMinute
        + ", failedAuthPerKeyPerMinute="
        + failedAuthPerKeyPerMinute
        + ", trustedProxies="
        + trustedProxies
        + ", trackedClients="
        + trackedClients
        + ", cors="
        + cors
        + "]";
  }
}
