package io.catalogimage.api.auth;

import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.api.problem.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Runs before the bearer token is checked: an address (or a key prefix) past its failed
 * authentications gets 429 with Retry-After, its token unchecked, even when it is right; guessing
 * then costs a minute per handful of tries. Requests without credentials are not limited here (they
 * get 401 and count as failures).
 */
final class FailedAuthenticationLimit extends OncePerRequestFilter {

  private final FailedAuthentications failures;
  private final ClientAddresses clients;

  FailedAuthenticationLimit(FailedAuthentications failures, ClientAddresses clients) {
    this.failures = failures;
    this.clients = clients;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String header = request.getHeader("Authorization");
    if (header == null) {
      chain.doFilter(request, response);
      return;
    }
    String token = BearerTokenConverter.token(header);
    String prefix = token == null ? null : ApiKeyFormat.parse(token).orElse(null);
    Optional<Duration> wait = failures.wait(clients.of(request), prefix);
    if (wait.isEmpty()) {
      chain.doFilter(request, response);
      return;
    }
    long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
    response.setHeader("Retry-After", String.valueOf(seconds));
    ProblemWriter.write(
        response,
        429,
        ProblemTypes.TOO_MANY_FAILED_AUTHENTICATIONS,
        "Too many failed authentications",
        "too many failed authentications from this address or for this key; the credentials were"
            + " not checked; try again in "
            + seconds
            + " s",
        Map.of("retryAfterSeconds", seconds));
  }
}
