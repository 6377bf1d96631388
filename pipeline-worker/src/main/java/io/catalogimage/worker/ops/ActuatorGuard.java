package io.catalogimage.worker.ops;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The worker's only HTTP surface is the actuator; as on the api (issue 12), health and its probes
 * are public and everything else (metrics, prometheus) takes the admin token as a bearer token. The
 * worker has no other door, so one filter is enough: Spring Security would guard one path.
 */
@Component
public class ActuatorGuard extends OncePerRequestFilter {

  private static final Set<String> PUBLIC =
      Set.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness");

  private final byte[] tokenDigest;

  public ActuatorGuard(WorkerSecurityProperties props) {
    this.tokenDigest = props.adminToken() == null ? null : sha256(props.adminToken());
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String path = request.getRequestURI();
    if (PUBLIC.contains(path) && "GET".equals(request.getMethod())) {
      chain.doFilter(request, response);
      return;
    }
    String header = request.getHeader("Authorization");
    if (tokenDigest == null) {
      refuse(response, 403, "set pipeline.security.admin-token to read the worker's metrics");
      return;
    }
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      response.setHeader("WWW-Authenticate", "Bearer");
      refuse(response, 401, "the admin token is required (Authorization: Bearer ...)");
      return;
    }
    if (!MessageDigest.isEqual(tokenDigest, sha256(header.substring(7).trim()))) {
      refuse(response, 401, "the token is not the admin token");
      return;
    }
    chain.doFilter(request, response);
  }

  private static void refuse(HttpServletResponse response, int status, String detail)
      throws IOException {
    response.setStatus(status);
    response.setContentType("application/problem+json");
    response.setHeader("Cache-Control", "no-store");
    String title = status == 401 ? "Unauthorized" : "Forbidden";
    response
        .getWriter()
        .write(
            "{\"type\":\"about:blank\",\"title\":\""
                + title
                + "\",\"status\":"
                + status
                + ",\"detail\":\""
                + detail
                + "\"}");
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
