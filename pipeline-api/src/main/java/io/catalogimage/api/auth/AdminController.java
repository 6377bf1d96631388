package io.catalogimage.api.auth;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.common.id.TenantId;
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

  @PostMapping("/v1/admin/tenants")
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

  @GetMapping("/v1/admin/tenants")
  List<ApiKeys.Tenant> tenants() {
    return keys.tenants();
  }

  @PostMapping("/v1/admin/tenants/{tenantId}/keys")
  ResponseEntity<ApiKeys.IssuedKey> issue(
      @PathVariable String tenantId, @RequestBody(required = false) NewKey body) {
    TenantId tenant = tenant(tenantId);
    String name =
        body == null || body.name() == null || body.name().isBlank() ? "key" : body.name();
    return ResponseEntity.status(HttpStatus.CREATED)
        .body(keys.issue(tenant, name, clock.instant()));
  }

  @GetMapping("/v1/admin/tenants/{tenantId}/keys")
  List<ApiKeys.KeyInfo> keys(@PathVariable String tenantId) {
    return keys.keys(tenant(tenantId));
  }

  @DeleteMapping("/v1/admin/tenants/{tenantId}/keys/{keyId}")
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
