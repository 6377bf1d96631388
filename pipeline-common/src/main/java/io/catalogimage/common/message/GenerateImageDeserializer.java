package io.catalogimage.common.message;

import io.catalogimage.common.json.Json;
import org.apache.kafka.common.serialization.Deserializer;

/** Reads {@link GenerateImage} JSON; a malformed record throws, for the dead-letter handling. */
public final class GenerateImageDeserializer implements Deserializer<GenerateImage> {

  @Override
  public GenerateImage deserialize(String topic, byte[] data) {
    return data == null ? null : Json.mapper().readValue(data, GenerateImage.class);
  }
}
