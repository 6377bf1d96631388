package io.catalogimage.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;

/**
 * Checks a bearer token that is not an API key against {@code pipeline.security.admin-token}. The
 * comparison is of SHA-256 digests in constant time, so neither the content nor the length of the
 * token leaks through timing.
 */
final class AdminTokenAuthenticationProvider implements AuthenticationProvider {

  private final byte[] adminTokenDigest;

  AdminTokenAuthenticationProvider(SecurityProperties props) {
    this.adminTokenDigest = props.adminToken() == null ? null : sha256(props.adminToken());
  }

  @Override
  public Authentication authenticate(Authentication authentication) {
    String token = ((BearerToken) authentication).getCredentials();
    if (ApiKeyFormat.parse(token).isPresent()) {
      return null;
    }
    if (adminTokenDigest != null && MessageDigest.isEqual(adminTokenDigest, sha256(token))) {
      return ApiAuthentication.admin();
    }
    throw new BadCredentialsException("the token is not an API key (cip_...) nor the admin token");
  }

  @Override
  public boolean supports(Class<?> type) {
    return BearerToken.class.isAssignableFrom(type);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
