package io.catalogimage.api.auth;

import io.catalogimage.api.problem.DatabaseUnavailable;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.api.problem.ProblemWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * Every answer the filter chain gives on its own, as problem details like the rest of the api: no
 * credentials (401), bad credentials (401, counted against the address and key prefix), a role that
 * may not call the path (403), a request the firewall refuses (400), the database out of reach
 * while checking a key (503).
 */
final class SecurityProblems
    implements AuthenticationEntryPoint,
        AuthenticationFailureHandler,
        AccessDeniedHandler,
        RequestRejectedHandler {

  private static final Logger log = LoggerFactory.getLogger(SecurityProblems.class);

  private final FailedAuthentications failures;
  private final ClientAddresses clients;

  SecurityProblems(FailedAuthentications failures, ClientAddresses clients) {
    this.failures = failures;
    this.clients = clients;
  }

  /** No credentials on a path that needs them. */
  @Override
  public void commence(
      HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    failures.failed(clients.of(request), null);
    unauthenticated(
        response,
        "send Authorization: Bearer <your API key> (the admin token for /v1/admin and /actuator)");
  }

  /** Credentials that do not check out, or could not be checked. */
  @Override
  public void onAuthenticationFailure(
      HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    if (e instanceof CredentialsUncheckable) {
      log.warn("could not check an API key: {}", e.getCause().toString());
      response.setHeader("Retry-After", String.valueOf(DatabaseUnavailable.RETRY_AFTER_SECONDS));
      ProblemWriter.write(
          response,
          503,
          ProblemTypes.SERVICE_UNAVAILABLE,
          "Service unavailable",
          "the database cannot be reached to check the API key; retry after "
              + DatabaseUnavailable.RETRY_AFTER_SECONDS
              + " seconds",
          Map.of());
      return;
    }
    String token = BearerTokenConverter.token(request.getHeader("Authorization"));
    String prefix = token == null ? null : ApiKeyFormat.parse(token).orElse(null);
    failures.failed(clients.of(request), prefix);
    unauthenticated(response, e.getMessage());
  }

  @Override
  public void handle(
      HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
      throws IOException {
    ProblemWriter.write(
        response,
        403,
        ProblemTypes.FORBIDDEN,
        "Forbidden",
        "these credentials may not call this path: the admin api and /actuator take the admin"
            + " token, everything else an API key",
        Map.of());
  }

  @Override
  public void handle(
      HttpServletRequest request, HttpServletResponse response, RequestRejectedException e)
      throws IOException {
    ProblemWriter.write(
        response,
        400,
        ProblemTypes.REJECTED_REQUEST,
        "Rejected request",
        "the request was refused before it was read: "
            + e.getMessage()
            + " (paths with ';', '//', '.' or '..' segments, encoded '/', '.' or '%', or control"
            + " characters are never accepted)",
        Map.of());
  }

  private static void unauthenticated(HttpServletResponse response, String detail)
      throws IOException {
    response.setHeader("WWW-Authenticate", "Bearer");
    ProblemWriter.write(
        response, 401, ProblemTypes.UNAUTHENTICATED, "Unauthenticated", detail, Map.of());
  }
}
