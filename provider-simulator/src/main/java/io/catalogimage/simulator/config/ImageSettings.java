package io.catalogimage.simulator.config;

import java.util.Locale;

/**
 * How large the images the simulator answers with are.
 *
 * @param mode {@code REALISTIC}: incompressible content whose encoded size follows the bytes per
 *     pixel below, as large as a real model's output (about 1.5 MB at 1K, 6 MB at 2K, 25 MB at 4K
 *     for PNG); {@code SMALL}: a 16-colour gradient of a few KB (tests, the demo)
 * @param pngBytesPerPixel encoded PNG size per pixel in REALISTIC mode (0.05..3; default 1.5, the
 *     size of photographic PNGs from image models)
 * @param jpegBytesPerPixel encoded JPEG size per pixel in REALISTIC mode (0.05..3; default 0.35)
 */
public record ImageSettings(Mode mode, double pngBytesPerPixel, double jpegBytesPerPixel) {

  /** Image size mode. */
  public enum Mode {
    SMALL,
    REALISTIC;

    public static Mode parse(String text) {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }
  }

  public static final double PNG_BYTES_PER_PIXEL = 1.5;
  public static final double JPEG_BYTES_PER_PIXEL = 0.35;

  public ImageSettings {
    if (mode == null) {
      throw new IllegalArgumentException("images.mode is required (small or realistic)");
    }
    check("pngBytesPerPixel", pngBytesPerPixel);
    check("jpegBytesPerPixel", jpegBytesPerPixel);
  }

  private static void check(String name, double v) {
    // 3 bytes per pixel is all an 8-bit RGB pixel can carry without compression
    if (!(v >= 0.05 && v <= 3.0)) {
      throw new IllegalArgumentException("images." + name + " must be in 0.05..3: " + v);
    }
  }

  /** Gradient images of a few KB: cheap for tests and the demo. */
  public static ImageSettings small() {
    return new ImageSettings(Mode.SMALL, PNG_BYTES_PER_PIXEL, JPEG_BYTES_PER_PIXEL);
  }

  /** Real-size images: the standalone simulator's and the payload benchmark's default. */
  public static ImageSettings realistic() {
    return new ImageSettings(Mode.REALISTIC, PNG_BYTES_PER_PIXEL, JPEG_BYTES_PER_PIXEL);
  }

  public boolean realisticSizes() {
    return mode == Mode.REALISTIC;
  }

  public ImageSettings withPngBytesPerPixel(double bpp) {
    return new ImageSettings(mode, bpp, jpegBytesPerPixel);
  }
}
