package io.catalogimage.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import java.util.UUID;

/** Typed id of a item, so that ids of different things cannot be swapped in a signature. */
public record ItemId(UUID value) {

  public ItemId {
    Objects.requireNonNull(value, "item id");
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ItemId of(String text) {
    return new ItemId(UUID.fromString(text));
  }

  public static ItemId random() {
    return new ItemId(UUID.randomUUID());
  }

  @JsonValue
  @Override
  public String toString() {
    return value.toString();
  }
}
