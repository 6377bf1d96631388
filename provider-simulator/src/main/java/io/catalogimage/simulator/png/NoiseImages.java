package io.catalogimage.simulator.png;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;

/**
 * Real-size images: rows of random pixels (which no encoder can shrink) between flat rows (which
 * cost nothing), mixed so that the encoded size is the asked bytes per pixel. A photographic PNG
 * from an image model carries about 1.5 bytes per pixel; noise carries 3, so half the rows are
 * noise. Encoded once per size and cached by {@link ImageFactory}: encoding is the slow part.
 */
final class NoiseImages {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  private static final int NOISE_ROWS = 64; // > deflate's 32 KB window apart even at 256 px wide
  private static final int IDAT_CHUNK = 1 << 20;

  private NoiseImages() {}

  /** An 8-bit RGB PNG of {@code width x height} of about {@code bytesPerPixel * w * h} bytes. */
  static byte[] png(int width, int height, double bytesPerPixel, long seed) {
    double noiseShare = Math.min(1.0, bytesPerPixel / 3.0);
    byte[][] noise = noiseRows(width * 3, seed);
    byte[] flat = new byte[1 + width * 3];
    java.util.Arrays.fill(flat, 1, flat.length, (byte) 0xE8);
    ByteArrayOutputStream out =
        new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, sizeHint(width, height)));
    out.writeBytes(SIGNATURE);
    byte[] ihdr = new byte[13];
    putInt(ihdr, 0, width);
    putInt(ihdr, 4, height);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: RGB
    chunk(out, "IHDR", ihdr, ihdr.length);

    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    byte[] idat = new byte[IDAT_CHUNK];
    int filled = 0;
    byte[] buffer = new byte[64 * 1024];
    try {
      int noiseIndex = 0;
      for (int y = 0; y < height; y++) {
        // spread the noise rows evenly: row y is noise when the running share crosses an integer
        boolean isNoise = (long) ((y + 1) * noiseShare) > (long) (y * noiseShare);
        byte[] row = isNoise ? noise[noiseIndex++ % NOISE_ROWS] : flat;
        deflater.setInput(row);
        while (!deflater.needsInput()) {
          filled = drain(deflater, buffer, idat, filled, out);
        }
      }
      deflater.finish();
      while (!deflater.finished()) {
        filled = drain(deflater, buffer, idat, filled, out);
      }
    } finally {
      deflater.end();
    }
    if (filled > 0) {
      chunk(out, "IDAT", idat, filled);
    }
    chunk(out, "IEND", new byte[0], 0);
    return out.toByteArray();
  }

  /**
   * A baseline JPEG of {@code width x height} of about {@code bytesPerPixel * w * h} bytes: noise
   * in the top share of the picture, flat below. The share comes from a small calibration encode.
   */
  static byte[] jpeg(int width, int height, double bytesPerPixel, long seed) {
    double noiseBpp = Math.max(0.1, encodedJpeg(noiseImage(256, 256, 1.0, seed)).length / 65536.0);
    double share = Math.min(1.0, bytesPerPixel / noiseBpp);
    return encodedJpeg(noiseImage(width, height, share, seed));
  }

  private static BufferedImage noiseImage(int width, int height, double share, long seed) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    SplittableRandom random = new SplittableRandom(seed);
    int noisy = (int) Math.round(height * share);
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        row[x] = y < noisy ? random.nextInt() & 0xFFFFFF : 0xE8E8E8;
      }
      image.setRGB(0, y, width, 1, row, 0, width);
    }
    return image;
  }

  private static byte[] encodedJpeg(BufferedImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.setUseCache(false);
      if (!ImageIO.write(image, "jpeg", out)) {
        throw new IllegalStateException("no JPEG writer in this JDK");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static long sizeHint(int width, int height) {
    return 1024 + (long) width * height * 2;
  }

  private static byte[][] noiseRows(int bytes, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[][] rows = new byte[NOISE_ROWS][1 + bytes];
    for (byte[] row : rows) {
      for (int i = 1; i < row.length; i++) {
        row[i] = (byte) random.nextInt(256);
      }
      row[0] = 0; // filter: None
    }
    return rows;
  }

  private static int drain(
      Deflater deflater, byte[] buffer, byte[] idat, int filled, ByteArrayOutputStream out) {
    int n = deflater.deflate(buffer);
    int at = 0;
    while (at < n) {
      int take = Math.min(n - at, idat.length - filled);
      System.arraycopy(buffer, at, idat, filled, take);
      filled += take;
      at += take;
      if (filled == idat.length) {
        chunk(out, "IDAT", idat, filled);
        filled = 0;
      }
    }
    return filled;
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data, int length) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    byte[] b = new byte[4];
    putInt(b, 0, length);
    out.writeBytes(b);
    out.writeBytes(typeBytes);
    out.write(data, 0, length);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data, 0, length);
    putInt(b, 0, (int) crc.getValue());
    out.writeBytes(b);
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
