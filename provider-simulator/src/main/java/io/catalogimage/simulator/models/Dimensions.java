package io.catalogimage.simulator.models;

/** Pixel size of an image. */
public record Dimensions(int width, int height) {
  public Dimensions {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("dimensions must be positive: " + width + "x" + height);
    }
  }

  /** Parses {@code "1024x1536"}. */
  public static Dimensions parse(String text) {
    String[] parts = text.trim().split("x");
    if (parts.length != 2) {
      throw new IllegalArgumentException("dimensions must look like 1024x1024: " + text);
    }
    return new Dimensions(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
  }

  @Override
  public String toString() {
    return width + "x" + height;
  }
}
