package io.catalogimage.simulator.png;

/**
 * The picture: a diagonal 15-step gradient with an inverted "product" box in the middle. It depends
 * only on the dimensions (so it is encoded once per size); the palette gives each prompt its
 * colours.
 */
final class Pattern {
  private static final int STEPS = 8;

  private Pattern() {}

  /** Palette index of pixel (x, y), 0..15. */
  static int index(int x, int y, int width, int height) {
    int gradient = (int) ((long) x * STEPS / width) + (int) ((long) y * STEPS / height);
    return inBox(x, width) && inBox(y, height) ? 15 - gradient : gradient;
  }

  /** Rows with the same key are identical, so a row is recomputed only when the key changes. */
  static int rowKey(int y, int height) {
    return (int) ((long) y * STEPS / height) * 2 + (inBox(y, height) ? 1 : 0);
  }

  /** Fills a PNG scanline: filter byte 0 (None), then two 4-bit pixels per byte. */
  static void fillRow(byte[] row, int width, int y, int height) {
    row[0] = 0;
    for (int x = 0; x < width; x += 2) {
      int hi = index(x, y, width, height);
      int lo = x + 1 < width ? index(x + 1, y, width, height) : 0;
      row[1 + x / 2] = (byte) ((hi << 4) | lo);
    }
  }

  private static boolean inBox(int v, int size) {
    return v >= size * 3L / 10 && v < size * 7L / 10;
  }
}
