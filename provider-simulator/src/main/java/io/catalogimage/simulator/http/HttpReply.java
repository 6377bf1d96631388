package io.catalogimage.simulator.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** A complete HTTP response, built before it is written. */
public record HttpReply(int status, String contentType, byte[] body, Map<String, String> headers) {
  public static final String JSON = "application/json; charset=UTF-8";

  public HttpReply {
    headers = Map.copyOf(headers);
  }

  public static HttpReply json(int status, JsonNode body) {
    return new HttpReply(status, JSON, Json.bytes(body), Map.of());
  }

  public static HttpReply text(int status, String contentType, String body) {
    return new HttpReply(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  public HttpReply withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new HttpReply(status, contentType, body, copy);
  }

  public HttpReply withHeaders(Map<String, String> more) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.putAll(more);
    return new HttpReply(status, contentType, body, copy);
  }
}
