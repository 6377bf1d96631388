package io.catalogimage.api.input;

import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.api.problem.ProblemWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Every query string is decoded here once more, strictly, before a controller reads a parameter:
 * Tomcat drops a parameter whose percent-encoding is broken and turns bytes that are not UTF-8 into
 * U+FFFD, both silently. A query that is not well-formed, strict UTF-8 without NUL is a 400 naming
 * the parameter. A body declared in a charset other than UTF-8 is a 415. A header the api reads one
 * value of, given twice, is a 400: Tomcat gives the first Content-Type and Spring joins two
 * Idempotency-Keys with a comma, so two requests sending them in another order were two requests.
 * (Two Authorization headers are refused by the security chain.) Runs after the security filter
 * chain (authentication comes first).
 */
@Component
class StrictQueryFilter extends OncePerRequestFilter {

  /** Headers read as one value. */
  private static final List<String> SINGLE_HEADERS = List.of("Content-Type", "Idempotency-Key");

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String charset = charsetOtherThanUtf8(request.getContentType());
    if (charset != null) {
      ProblemWriter.write(
          response,
          415,
          ProblemTypes.UNSUPPORTED_MEDIA_TYPE,
          "Unsupported media type",
          "the body is declared as "
              + charset
              + "; this api reads UTF-8 only (send charset=utf-8, or no charset)",
          Map.of());
      return;
    }
    for (String header : SINGLE_HEADERS) {
      if (Collections.list(request.getHeaders(header)).size() > 1) {
        ProblemWriter.write(
            response,
            400,
            ProblemTypes.INVALID_PARAMETER,
            "Invalid parameter",
            "header '" + header + "' may be given once",
            Map.of("parameter", header));
        return;
      }
    }
    String query = request.getQueryString();
    Refusal refusal = query == null ? null : refusal(query);
    if (refusal == null) {
      chain.doFilter(request, response);
      return;
    }
    ProblemWriter.write(
        response,
        400,
        ProblemTypes.INVALID_PARAMETER,
        "Invalid parameter",
        refusal.detail(),
        Map.of("parameter", refusal.parameter()));
  }

  /**
   * The charset a Content-Type declares when it is not UTF-8: bodies are read as UTF-8, and bytes
   * meant in another charset that happen to be valid UTF-8 would be stored as other text.
   */
  static String charsetOtherThanUtf8(String contentType) {
    if (contentType == null) {
      return null;
    }
    for (String parameter : contentType.split(";")) {
      String p = parameter.strip();
      if (p.regionMatches(true, 0, "charset=", 0, 8)) {
        String charset = p.substring(8).replace("\"", "").strip();
        return charset.equalsIgnoreCase("utf-8") || charset.equalsIgnoreCase("utf8")
            ? null
            : "charset=" + charset;
      }
    }
    return null;
  }

  /** A parameter (its name as far as it can be read) and what is wrong with it. */
  record Refusal(String parameter, String detail) {}

  /** What is wrong with a raw query string, or null. */
  static Refusal refusal(String query) {
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String rawName = eq < 0 ? pair : pair.substring(0, eq);
      String nameProblem = why(rawName);
      if (nameProblem != null) {
        return new Refusal("?", "a parameter name: " + nameProblem);
      }
      String name = decode(rawName);
      if (eq >= 0) {
        String valueProblem = why(pair.substring(eq + 1));
        if (valueProblem != null) {
          return new Refusal(name, "parameter '" + name + "': " + valueProblem);
        }
      }
    }
    return null;
  }

  /** Percent-decodes as forms do ({@code +} is a space) into bytes; null on broken escapes. */
  private static byte[] bytes(String raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          return null;
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else if (c == '+') {
        out.write(' ');
      } else if (c > 0x7e || c < 0x20) {
        return null;
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  private static String why(String raw) {
    byte[] bytes = bytes(raw);
    if (bytes == null) {
      return "broken percent-encoding (every '%' needs two hex digits; encode other bytes)";
    }
    Utf8 utf8 = new Utf8();
    for (byte b : bytes) {
      String wrong = utf8.accept(b);
      if (wrong != null) {
        return wrong;
      }
    }
    return utf8.end();
  }

  /** A raw name or value, decoded; only for text {@link #refusal} found nothing wrong with. */
  static String decode(String raw) {
    return new String(bytes(raw), StandardCharsets.UTF_8);
  }
}
