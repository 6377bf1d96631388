package io.catalogimage.api.auth;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;

/** A bearer token as the request sent it, not yet checked: an API key or the admin token. */
final class BearerToken extends AbstractAuthenticationToken {

  private final String token;

  BearerToken(String token) {
    super(List.of());
    this.token = token;
  }

  @Override
  public String getCredentials() {
    return token;
  }

  /** The key's public prefix when the token has the shape of an API key; never the secret. */
  @Override
  public Object getPrincipal() {
    return ApiKeyFormat.parse(token).orElse("bearer");
  }

  @Override
  public String toString() {
    return "BearerToken[" + getPrincipal() + "]";
  }
}
