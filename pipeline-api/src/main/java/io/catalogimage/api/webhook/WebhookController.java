package io.catalogimage.api.webhook;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The tenant's webhook settings (default URL, signing secret) and the delivery log, per batch and
 * for the whole tenant.
 */
@Tag(name = "Webhooks")
@RestController
class WebhookController {

  static final int MAX_EVENTS = 200;

  /** The body of {@code PUT /v1/tenant/webhook}; a null url removes the default. */
  record WebhookSettingsRequest(String url) {}

  /**
   * @param url where events of batches without a callbackUrl, and the tenant's own events, go
   * @param secret verifies the {@code webhook-signature} header (Standard Webhooks)
   * @param previousSecret after a rotation, the old secret, which signs too until {@code
   *     previousSecretUntil} (the header then carries two signatures); null otherwise
   */
  record WebhookSettings(
      String url, String secret, String previousSecret, Instant previousSecretUntil) {

    static WebhookSettings of(String url, WebhookSecrets.Secrets s) {
      return new WebhookSettings(url, s.current(), s.previous(), s.previousUntil());
    }

    /** The secrets are in the JSON answer to their tenant; never in a log line. */
    @Override
    public String toString() {
      return "WebhookSettings[url="
          + url
          + ", secret=<redacted>, previousSecretUntil="
          + previousSecretUntil
          + "]";
    }
  }

  record Events(List<WebhookLog.Event> events) {}

  private final JdbcClient jdbc;
  private final WebhookSecrets secrets;
  private final CallbackUrls urls;
  private final WebhookLog log;
  private final Clock clock;

  WebhookController(
      JdbcClient jdbc, WebhookSecrets secrets, CallbackUrls urls, WebhookLog log, Clock clock) {
    this.jdbc = jdbc;
    this.secrets = secrets;
    this.urls = urls;
    this.log = log;
    this.clock = clock;
  }

  /**
   * The tenant's default callback URL and its signing secret ({@code whsec_...}; during a rotation
   * also the previous one, still signing until it expires).
   */
  @GetMapping("/v1/tenant/webhook")
  WebhookSettings settings(TenantId tenant) {
    return WebhookSettings.of(url(tenant), secrets.secrets(tenant));
  }

  /**
   * Sets or removes ({@code null}) the default callback URL: batches without their own {@code
   * callbackUrl} report there, and so do tenant-wide events (monthly cap thresholds). https only,
   * no credentials, no private or loopback address.
   */
  @PutMapping("/v1/tenant/webhook")
  WebhookSettings setUrl(TenantId tenant, @RequestBody WebhookSettingsRequest body) {
    if (body == null) {
      throw ApiProblem.invalidParameter("url", "a body {\"url\": ...} is required");
    }
    if (body.url() != null) {
      urls.refusal(body.url())
          .ifPresent(
              why -> {
                throw ApiProblem.invalidParameter("url", why);
              });
    }
    jdbc.sql("UPDATE tenants SET webhook_url = :url WHERE tenant_id = :tenant")
        .param("url", body.url())
        .param("tenant", tenant.value())
        .update();
    return settings(tenant);
  }

  /**
   * Replaces the signing secret; every delivery from now on, retries too, is signed with the new
   * one and, for {@code pipeline.webhooks.secret-overlap}, with the old one as well.
   */
  @PostMapping("/v1/tenant/webhook/secret")
  WebhookSettings rotateSecret(TenantId tenant) {
    return WebhookSettings.of(url(tenant), secrets.rotate(tenant));
  }

  /** The tenant's newest events (all batches and its own), each with its attempts. */
  @GetMapping("/v1/tenant/webhook/events")
  Events tenantEvents(TenantId tenant, @RequestParam(defaultValue = "50") int limit) {
    return new Events(log.events(tenant, null, limit(limit)));
  }

  /** The batch's events, newest first, each with its attempts: the batch's delivery log. */
  @GetMapping("/v1/batches/{batchId}/webhooks")
  Events batchEvents(
      TenantId tenant, @PathVariable String batchId, @RequestParam(defaultValue = "50") int limit) {
    BatchId batch = ownBatch(tenant, batchId);
    return new Events(log.events(tenant, batch.value(), limit(limit)));
  }

  /** Queues a FAILED event (retries used up) for one more attempt now. */
  @PostMapping("/v1/tenant/webhook/events/{eventId}/redeliver")
  Map<String, String> redeliver(TenantId tenant, @PathVariable String eventId) {
    if (!log.redeliver(tenant, eventId, clock.instant())) {
      throw ApiProblem.notFound("no webhook event " + eventId);
    }
    return Map.of("eventId", eventId, "state", "PENDING");
  }

  private String url(TenantId tenant) {
    return jdbc.sql("SELECT webhook_url FROM tenants WHERE tenant_id = :tenant")
        .param("tenant", tenant.value())
        .query((rs, i) -> rs.getString(1))
        .list()
        .get(0);
  }

  private BatchId ownBatch(TenantId tenant, String text) {
    BatchId batch;
    try {
      batch = BatchId.of(text);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.notFound("no batch " + text);
    }
    long n =
        jdbc.sql("SELECT count(*) FROM batches WHERE batch_id = :b AND tenant_id = :t")
            .param("b", batch.value())
            .param("t", tenant.value())
            .query(Long.class)
            .single();
    if (n == 0) {
      throw ApiProblem.notFound("no batch " + text);
    }
    return batch;
  }

  private static int limit(int limit) {
    if (limit < 1 || limit > MAX_EVENTS) {
      throw ApiProblem.invalidParameter("limit", "must be between 1 and " + MAX_EVENTS);
    }
    return limit;
  }
}
