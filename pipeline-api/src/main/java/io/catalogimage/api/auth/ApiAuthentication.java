package io.catalogimage.api.auth;

import io.catalogimage.common.id.TenantId;
import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * Who a request acts for, once its bearer token is checked: a tenant (an API key, role TENANT,
 * principal its {@link TenantId}) or the operator (the admin token, role ADMIN). The token itself
 * is not kept.
 */
public final class ApiAuthentication extends AbstractAuthenticationToken {

  /** The principal of the admin token. */
  public enum Operator {
    ADMIN
  }

  private final Object principal;
  private final String keyPrefix;

  private ApiAuthentication(Object principal, String role, String keyPrefix) {
    super(List.of(new SimpleGrantedAuthority("ROLE_" + role)));
    this.principal = principal;
    this.keyPrefix = keyPrefix;
    setAuthenticated(true);
  }

  static ApiAuthentication tenant(TenantId tenant, String keyPrefix) {
    return new ApiAuthentication(tenant, "TENANT", keyPrefix);
  }

  static ApiAuthentication admin() {
    return new ApiAuthentication(Operator.ADMIN, "ADMIN", null);
  }

  @Override
  public Object getPrincipal() {
    return principal;
  }

  @Override
  public Object getCredentials() {
    return null;
  }

  /** The API key's public prefix (for logs); null for the admin token. */
  public String keyPrefix() {
    return keyPrefix;
  }

  @Override
  public String getName() {
    return keyPrefix == null ? principal.toString() : principal + " (" + keyPrefix + ")";
  }
}
