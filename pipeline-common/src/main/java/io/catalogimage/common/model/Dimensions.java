package io.catalogimage.common.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Pixel size of an image, written {@code WIDTHxHEIGHT} in configuration and sidecars. */
public record Dimensions(int width, int height) {

  public Dimensions {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("dimensions must be positive: " + width + "x" + height);
    }
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static Dimensions parse(String text) {
    String[] parts = text.trim().toLowerCase().split("x");
    if (parts.length != 2) {
      throw new IllegalArgumentException("expected WIDTHxHEIGHT, got '" + text + "'");
    }
    return new Dimensions(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
  }

  @JsonValue
  @Override
  public String toString() {
    return width + "x" + height;
  }
}
