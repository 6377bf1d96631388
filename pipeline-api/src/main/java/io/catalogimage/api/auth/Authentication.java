package io.catalogimage.api.auth;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.common.id.TenantId;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Every {@code /v1} request carries {@code Authorization: Bearer <key>}; the key's tenant scopes
 * everything the request sees or changes. {@code /v1/admin} takes the admin token instead. Runs
 * before the handler reads the body, so an upload without a valid key is refused before a byte of
 * it is stored. Failed attempts are limited per client address (Bucket4j, in memory).
 */
@Component
public class Authentication implements HandlerInterceptor {

  /** Request attribute holding the authenticated tenant. */
  public static final String TENANT = Authentication.class.getName() + ".tenant";

  private static final int MAX_TRACKED_ADDRESSES = 100_000;

  private final ApiKeys keys;
  private final SecurityProperties props;
  private final Map<String, Bucket> failures = new ConcurrentHashMap<>();

  public Authentication(ApiKeys keys, SecurityProperties props) {
    this.keys = keys;
    this.props = props;
  }

  @Override
  public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object h) {
    String path = request.getRequestURI();
    if (!path.startsWith("/v1/")) {
      return true;
    }
    String address = request.getRemoteAddr();
    Bucket bucket = failures.get(address);
    if (bucket != null && bucket.getAvailableTokens() <= 0) {
      throw new ApiProblem(
              HttpStatus.TOO_MANY_REQUESTS,
              ProblemTypes.TOO_MANY_FAILED_AUTHENTICATIONS,
              "Too many failed authentications",
              "more than "
                  + props.failedAuthPerMinute()
                  + " failed authentications from this address in a minute; try again later")
          .header("Retry-After", "60");
    }
    String token = bearer(request);
    if (path.startsWith("/v1/admin/")) {
      if (props.adminToken() != null
          && token != null
          && constantTimeEquals(token, props.adminToken())) {
        return true;
      }
      throw failed(
          address, "the admin api needs Authorization: Bearer <pipeline.security.admin-token>");
    }
    Optional<TenantId> tenant = token == null ? Optional.empty() : keys.authenticate(token);
    if (tenant.isEmpty()) {
      throw failed(
          address,
          token == null
              ? "send Authorization: Bearer <your API key>"
              : "the API key is unknown, revoked or malformed");
    }
    request.setAttribute(TENANT, tenant.get());
    return true;
  }

  private ApiProblem failed(String address, String detail) {
    if (failures.size() > MAX_TRACKED_ADDRESSES) {
      failures.clear(); // a flood of addresses: forget rather than grow without bound
    }
    failures
        .computeIfAbsent(
            address,
            a ->
                Bucket.builder()
                    .addLimit(
                        Bandwidth.builder()
                            .capacity(props.failedAuthPerMinute())
                            .refillGreedy(props.failedAuthPerMinute(), Duration.ofMinutes(1))
                            .build())
                    .build())
        .tryConsume(1);
    return new ApiProblem(
            HttpStatus.UNAUTHORIZED, ProblemTypes.UNAUTHENTICATED, "Unauthenticated", detail)
        .header("WWW-Authenticate", "Bearer");
  }

  private static String bearer(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return header.substring(7).strip();
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
