package io.catalogimage.api.auth;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.common.id.TenantId;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The admin api ({@code Authorization: Bearer <pipeline.security.admin-token>}): tenants, and the
 * API keys that act for them. A key is shown once, when it is issued.
 */
@Tag(name = "Admin (admin token)")
@RestController
class AdminController {

  record NewTenant(String name) {}

  record NewKey(String name) {}

  private final ApiKeys keys;
  private final Clock clock;

  AdminController(ApiKeys keys, Clock clock) {
    this.keys = keys;
    this.clock = clock;
  }

  /**
   * Creates a tenant (admin token). Its batches, keys, presets, webhooks and caps are its own; no
   * key of another tenant sees them.
   */
  @PostMapping("/v1/admin/tenants")
  @ApiResponse(responseCode = "201", description = "created")
  @ApiResponse(responseCode = "409", description = "a tenant of that name exists")
  ResponseEntity<ApiKeys.Tenant> createTenant(@RequestBody NewTenant body) {
    if (body == null
        || body.name() == null
        || body.name().isBlank()
        || body.name().length() > 200) {
      throw ApiProblem.invalidParameter("name", "is required (1-200 characters)");
    }
    ApiKeys.Tenant tenant =
        keys.createTenant(body.name().strip(), clock.instant())
            .orElseThrow(
                () ->
                    new ApiProblem(
                        HttpStatus.CONFLICT,
                        ProblemTypes.CONFLICT,
                        "Tenant exists",
                        "a tenant named '" + body.name().strip() + "' exists"));
    return ResponseEntity.created(URI.create("/v1/admin/tenants/" + tenant.id())).body(tenant);
  }

  /** Every tenant (admin token). */
  @GetMapping("/v1/admin/tenants")
  List<ApiKeys.Tenant> tenants() {
    return keys.tenants();
  }

  /**
   * Issues an API key for the tenant (admin token). The key is in this answer only: it is stored
   * hashed, and listed later by its prefix.
   */
  @PostMapping("/v1/admin/tenants/{tenantId}/keys")
  @ApiResponse(responseCode = "201", description = "the key, shown this once")
  ResponseEntity<ApiKeys.IssuedKey> issue(
      @PathVariable String tenantId, @RequestBody(required = false) NewKey body) {
    TenantId tenant = tenant(tenantId);
    String name =
        body == null || body.name() == null || body.name().isBlank() ? "key" : body.name();
    if (name.length() > 200) {
      throw ApiProblem.invalidParameter("name", "is longer than 200 characters");
    }
    return ResponseEntity.status(HttpStatus.CREATED)
        .body(keys.issue(tenant, name, clock.instant()));
  }

  /** The tenant's keys by prefix and name, revoked ones with the time (admin token). */
  @GetMapping("/v1/admin/tenants/{tenantId}/keys")
  List<ApiKeys.KeyInfo> keys(@PathVariable String tenantId) {
    return keys.keys(tenant(tenantId));
  }

  /** Revokes a key: its next request gets 401 (admin token). */
  @DeleteMapping("/v1/admin/tenants/{tenantId}/keys/{keyId}")
  @ApiResponse(responseCode = "204", description = "revoked (or already revoked)")
  ResponseEntity<Void> revoke(@PathVariable String tenantId, @PathVariable String keyId) {
    TenantId tenant = tenant(tenantId);
    UUID id;
    try {
      id = UUID.fromString(keyId);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.notFound("no key " + keyId);
    }
    if (!keys.revoke(tenant, id, clock.instant())) {
      throw ApiProblem.notFound("no key " + keyId + " for tenant " + tenantId);
    }
    return ResponseEntity.noContent().build();
  }

  private TenantId tenant(String text) {
    try {
      TenantId tenant = TenantId.of(text);
      if (keys.tenantExists(tenant)) {
        return tenant;
      }
    } catch (IllegalArgumentException malformed) {
      // answered as not found below
    }
    throw ApiProblem.notFound("no tenant " + text);
  }
}
