package io.catalogimage.simulator.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Request-side helpers for {@link HttpExchange}. */
public final class Exchanges {
  /** Larger than Gemini's 100 MB inline-data limit, small enough not to exhaust the heap. */
  public static final int MAX_BODY_BYTES = 110 * 1024 * 1024;

  private Exchanges() {}

  /** The whole request body; {@link BodyTooLargeException} past {@link #MAX_BODY_BYTES}. */
  public static byte[] body(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] data = in.readNBytes(MAX_BODY_BYTES + 1);
      if (data.length > MAX_BODY_BYTES) {
        throw new BodyTooLargeException();
      }
      return data;
    }
  }

  /** Signals a body over the limit. */
  public static final class BodyTooLargeException extends IOException {
    public BodyTooLargeException() {
      super("request body larger than " + MAX_BODY_BYTES + " bytes");
    }
  }

  public static Map<String, String> query(HttpExchange exchange) {
    Map<String, String> out = new LinkedHashMap<>();
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.putIfAbsent(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }

  public static String header(HttpExchange exchange, String name) {
    return exchange.getRequestHeaders().getFirst(name);
  }
}
