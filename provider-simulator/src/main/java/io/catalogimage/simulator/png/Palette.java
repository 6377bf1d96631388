package io.catalogimage.simulator.png;

/**
 * Sixteen colours from a light tint to a dark shade of two hues picked by the seed, so different
 * products get visibly different images.
 */
final class Palette {
  private Palette() {}

  /** 16 x (r, g, b) bytes, the PLTE chunk's payload. */
  static byte[] rgb(long seed) {
    int[] argb = argb(seed);
    byte[] out = new byte[PngEncoder.COLOURS * 3];
    for (int i = 0; i < PngEncoder.COLOURS; i++) {
      out[i * 3] = (byte) (argb[i] >> 16);
      out[i * 3 + 1] = (byte) (argb[i] >> 8);
      out[i * 3 + 2] = (byte) argb[i];
    }
    return out;
  }

  static int[] argb(long seed) {
    double hueA = (seed & 0xFFFF) / 65536.0;
    double hueB = hueA + 0.25 + ((seed >>> 16) & 0xFF) / 1024.0;
    int[] out = new int[PngEncoder.COLOURS];
    for (int i = 0; i < out.length; i++) {
      double t = i / (double) (out.length - 1);
      double hue = hueA + (hueB - hueA) * t;
      out[i] = hsv(hue - Math.floor(hue), 0.35 + 0.45 * t, 0.97 - 0.55 * t);
    }
    return out;
  }

  private static int hsv(double h, double s, double v) {
    double sector = h * 6;
    int i = (int) Math.floor(sector) % 6;
    double f = sector - Math.floor(sector);
    double p = v * (1 - s);
    double q = v * (1 - f * s);
    double t = v * (1 - (1 - f) * s);
    double[] rgb =
        switch (i) {
          case 0 -> new double[] {v, t, p};
          case 1 -> new double[] {q, v, p};
          case 2 -> new double[] {p, v, t};
          case 3 -> new double[] {p, q, v};
          case 4 -> new double[] {t, p, v};
          default -> new double[] {v, p, q};
        };
    return 0xFF000000
        | ((int) Math.round(rgb[0] * 255) << 16)
        | ((int) Math.round(rgb[1] * 255) << 8)
        | (int) Math.round(rgb[2] * 255);
  }
}
