package io.catalogimage.simulator.http;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The one JSON mapper (thread-safe) and small tree helpers shared by the handlers. */
public final class Json {
  public static final JsonMapper MAPPER = JsonMapper.builder().build();

  private Json() {}

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  public static byte[] bytes(JsonNode node) {
    return MAPPER.writeValueAsBytes(node);
  }

  /** Parses a body; throws {@link tools.jackson.core.JacksonException} when it is not JSON. */
  public static JsonNode parse(byte[] body) {
    return MAPPER.readTree(body);
  }

  /**
   * Reads a field in camelCase or snake_case (proto JSON accepts both): {@code get(n,
   * "responseModalities")} also finds {@code response_modalities}.
   */
  public static JsonNode get(JsonNode node, String camelName) {
    if (node == null || !node.isObject()) {
      return null;
    }
    JsonNode v = node.get(camelName);
    if (v == null || v.isNull()) {
      v = node.get(snake(camelName));
    }
    return v == null || v.isNull() ? null : v;
  }

  /** The string value of a field, or null when absent or not a string. */
  public static String string(JsonNode node, String camelName) {
    JsonNode v = get(node, camelName);
    return v != null && v.isString() ? v.stringValue() : null;
  }

  static String snake(String camel) {
    StringBuilder sb = new StringBuilder(camel.length() + 4);
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      if (Character.isUpperCase(c)) {
        sb.append('_').append(Character.toLowerCase(c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
