package io.catalogimage.api.problem;

import io.catalogimage.common.json.Json;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a problem (RFC 9457) straight to a servlet response, for the answers given before Spring
 * MVC is reached: the firewall, authentication, the failed-authentication limit, Tomcat's own
 * errors. Each also carries the headers Spring Security sets on every other answer, since some of
 * these are written before its header writer runs.
 */
public final class ProblemWriter {

  public static final String PROBLEM_JSON = "application/problem+json";

  private ProblemWriter() {}

  /** The JSON of a problem: type, title, status, detail, then any extra properties. */
  public static byte[] body(
      int status, URI type, String title, String detail, Map<String, ?> properties) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("type", type.toString());
    json.put("title", title);
    json.put("status", status);
    json.put("detail", detail);
    json.putAll(properties);
    return Json.mapper().writeValueAsString(json).getBytes(StandardCharsets.UTF_8);
  }

  public static void write(
      HttpServletResponse response,
      int status,
      URI type,
      String title,
      String detail,
      Map<String, ?> properties)
      throws IOException {
    if (response.isCommitted()) {
      return;
    }
    response.resetBuffer();
    response.setStatus(status);
    secureHeaders(response);
    response.setContentType(PROBLEM_JSON);
    byte[] body = body(status, type, title, detail, properties);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    response.flushBuffer();
  }

  /** Spring Security's default response headers, where nothing set them yet. */
  public static void secureHeaders(HttpServletResponse response) {
    setIfAbsent(response, "X-Content-Type-Options", "nosniff");
    setIfAbsent(response, "X-Frame-Options", "DENY");
    setIfAbsent(response, "Cache-Control", "no-cache, no-store, max-age=0, must-revalidate");
    setIfAbsent(response, "Pragma", "no-cache");
    setIfAbsent(response, "Expires", "0");
    setIfAbsent(response, "X-XSS-Protection", "0");
  }

  private static void setIfAbsent(HttpServletResponse response, String name, String value) {
    if (!response.containsHeader(name)) {
      response.setHeader(name, value);
    }
  }
}
