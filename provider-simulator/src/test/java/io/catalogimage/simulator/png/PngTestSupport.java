package io.catalogimage.simulator.png;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** Reads a PNG's header and inflated pixel length without decoding it into an image. */
public final class PngTestSupport {
  private PngTestSupport() {}

  /** Width, height, bit depth, colour type, and the total inflated length of the IDAT stream. */
  public record Header(int width, int height, int bitDepth, int colourType, long inflatedBytes) {}

  public static Header read(byte[] png) {
    ByteBuffer b = ByteBuffer.wrap(png);
    byte[] sig = new byte[8];
    b.get(sig);
    if (sig[1] != 'P' || sig[2] != 'N' || sig[3] != 'G') {
      throw new IllegalArgumentException("not a PNG");
    }
    int width = 0;
    int height = 0;
    int depth = 0;
    int colour = 0;
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    while (b.remaining() >= 12) {
      int len = b.getInt();
      byte[] type = new byte[4];
      b.get(type);
      byte[] data = new byte[len];
      b.get(data);
      b.getInt(); // crc
      String t = new String(type, StandardCharsets.US_ASCII);
      if (t.equals("IHDR")) {
        ByteBuffer h = ByteBuffer.wrap(data);
        width = h.getInt();
        height = h.getInt();
        depth = h.get();
        colour = h.get();
      } else if (t.equals("IDAT")) {
        idat.writeBytes(data);
      }
    }
    return new Header(width, height, depth, colour, inflatedLength(idat.toByteArray()));
  }

  /** Expected inflated IDAT length for a 4-bit image: one filter byte + packed pixels per row. */
  public static long expectedLength4Bit(int width, int height) {
    return (long) height * (1 + (width + 1) / 2);
  }

  private static long inflatedLength(byte[] zlib) {
    Inflater inflater = new Inflater();
    inflater.setInput(zlib);
    byte[] buf = new byte[1 << 16];
    long total = 0;
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(buf);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new IllegalStateException("truncated IDAT stream");
        }
        total += n;
      }
    } catch (DataFormatException e) {
      throw new IllegalStateException(e);
    } finally {
      inflater.end();
    }
    return total;
  }
}
