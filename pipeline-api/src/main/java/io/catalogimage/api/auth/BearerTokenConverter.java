package io.catalogimage.api.auth;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.List;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * Reads the one credential this api takes, {@code Authorization: Bearer <token>}. No header: no
 * credential (the request is anonymous and public paths still answer). A header of another shape,
 * or two of them, is a failed authentication, not an anonymous request.
 */
final class BearerTokenConverter implements AuthenticationConverter {

  static final int MAX_TOKEN = 512;

  @Override
  public Authentication convert(HttpServletRequest request) {
    List<String> headers = Collections.list(request.getHeaders("Authorization"));
    if (headers.isEmpty()) {
      return null;
    }
    if (headers.size() > 1) {
      throw new BadCredentialsException("send one Authorization header, not " + headers.size());
    }
    String token = token(headers.get(0));
    if (token == null) {
      throw new BadCredentialsException("send Authorization: Bearer <your API key>");
    }
    return new BearerToken(token);
  }

  /** The token of a {@code Bearer} header (scheme in any case); null for anything else. */
  static String token(String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).strip();
    if (token.isEmpty()
        || token.length() > MAX_TOKEN
        || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      return null;
    }
    return token;
  }
}
