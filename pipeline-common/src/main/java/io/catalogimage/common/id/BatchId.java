package io.catalogimage.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import java.util.UUID;

/** Typed id of a batch, so that ids of different things cannot be swapped in a signature. */
public record BatchId(UUID value) {

  public BatchId {
    Objects.requireNonNull(value, "batch id");
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static BatchId of(String text) {
    return new BatchId(UUID.fromString(text));
  }

  public static BatchId random() {
    return new BatchId(UUID.randomUUID());
  }

  @JsonValue
  @Override
  public String toString() {
    return value.toString();
  }
}
