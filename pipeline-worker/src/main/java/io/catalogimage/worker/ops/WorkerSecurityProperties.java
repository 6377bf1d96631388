package io.catalogimage.worker.ops;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param adminToken the bearer token of the worker's actuator endpoints other than health (metrics,
 *     prometheus): the api's admin token; without one they answer 403
 */
@ConfigurationProperties("pipeline.security")
public record WorkerSecurityProperties(String adminToken) {

  public WorkerSecurityProperties {
    adminToken = adminToken == null || adminToken.isBlank() ? null : adminToken;
  }
}
