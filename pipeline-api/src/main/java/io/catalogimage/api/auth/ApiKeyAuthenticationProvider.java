package io.catalogimage.api.auth;

import io.catalogimage.api.problem.DatabaseUnavailable;
import org.springframework.dao.DataAccessException;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;

/**
 * Checks a bearer token that has the shape of an API key: the prefix finds the row, the SHA-256 of
 * the whole key must match in constant time, and the key must not be revoked. Tokens of any other
 * shape are left to {@link AdminTokenAuthenticationProvider}.
 */
final class ApiKeyAuthenticationProvider implements AuthenticationProvider {

  private final ApiKeys keys;

  ApiKeyAuthenticationProvider(ApiKeys keys) {
    this.keys = keys;
  }

  @Override
  public Authentication authenticate(Authentication authentication) {
    String token = ((BearerToken) authentication).getCredentials();
    String prefix = ApiKeyFormat.parse(token).orElse(null);
    if (prefix == null) {
      return null;
    }
    try {
      return keys.authenticate(token)
          .map(tenant -> ApiAuthentication.tenant(tenant, prefix))
          .orElseThrow(() -> new BadCredentialsException("the API key is unknown or revoked"));
    } catch (DataAccessException e) {
      if (DatabaseUnavailable.causedBy(e)) {
        throw new CredentialsUncheckable(e);
      }
      throw e;
    }
  }

  @Override
  public boolean supports(Class<?> type) {
    return BearerToken.class.isAssignableFrom(type);
  }
}
