package io.catalogimage.common.json;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The JSON mapper for messages, sidecars and manifests: one configuration for every writer. */
public final class Json {

  private static final JsonMapper MAPPER =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private Json() {}

  public static JsonMapper mapper() {
    return MAPPER;
  }
}
