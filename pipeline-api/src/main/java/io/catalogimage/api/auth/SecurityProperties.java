package io.catalogimage.api.auth;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who may call the api.
 *
 * @param adminToken the bearer token of the admin api ({@code /v1/admin/**}: tenants and keys);
 *     without it the admin api answers 401 to everyone
 * @param bootstrapKey an API key for the default tenant, created at start-up if missing (the local
 *     mode and tests; in production issue keys through the admin api)
 * @param failedAuthPerMinute failed authentications allowed per client address and minute; more get
 *     429 (default 20)
 */
@ConfigurationProperties("pipeline.security")
public record SecurityProperties(
    String adminToken, String bootstrapKey, Integer failedAuthPerMinute) {

  public SecurityProperties {
    adminToken = adminToken == null || adminToken.isBlank() ? null : adminToken;
    bootstrapKey = bootstrapKey == null || bootstrapKey.isBlank() ? null : bootstrapKey;
    failedAuthPerMinute = failedAuthPerMinute == null ? 20 : failedAuthPerMinute;
    if (failedAuthPerMinute < 1) {
      throw new IllegalArgumentException("pipeline.security.failed-auth-per-minute must be >= 1");
    }
    if (bootstrapKey != null && ApiKeyFormat.parse(bootstrapKey).isEmpty()) {
      throw new IllegalArgumentException(
          "pipeline.security.bootstrap-key is not an API key (cip_<10 chars>_<32 chars>)");
    }
  }
}
