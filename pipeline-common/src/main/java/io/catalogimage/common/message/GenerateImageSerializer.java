package io.catalogimage.common.message;

import io.catalogimage.common.json.Json;
import org.apache.kafka.common.serialization.Serializer;

/** JSON on the wire for {@link GenerateImage}. */
public final class GenerateImageSerializer implements Serializer<GenerateImage> {

  @Override
  public byte[] serialize(String topic, GenerateImage message) {
    return message == null ? null : Json.mapper().writeValueAsBytes(message);
  }
}
