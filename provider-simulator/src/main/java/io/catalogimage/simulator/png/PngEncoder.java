package io.catalogimage.simulator.png;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A minimal PNG writer for 4-bit indexed images (colour type 3). The pixel data of a given size
 * never changes, so it is deflated once ({@link #encodeTail}) and only the palette chunk is built
 * per image ({@link #assemble}): a new product costs 48 bytes of palette, not a new encode.
 */
final class PngEncoder {
  static final int COLOURS = 16;
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private PngEncoder() {}

  /** The IHDR + IDAT + IEND chunks for {@code width x height}: everything but the palette. */
  static Tail encodeTail(int width, int height) {
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream(25);
    byte[] header = new byte[13];
    putInt(header, 0, width);
    putInt(header, 4, height);
    header[8] = 4; // bit depth: 16 colours
    header[9] = 3; // colour type: indexed
    header[10] = 0; // compression: deflate
    header[11] = 0; // filter method 0
    header[12] = 0; // no interlace
    writeChunk(ihdr, "IHDR", header);

    ByteArrayOutputStream rest = new ByteArrayOutputStream(64 * 1024);
    writeChunk(rest, "IDAT", deflatePixels(width, height));
    writeChunk(rest, "IEND", new byte[0]);
    return new Tail(ihdr.toByteArray(), rest.toByteArray());
  }

  /** IHDR chunk, and the IDAT + IEND chunks that follow the palette. */
  record Tail(byte[] ihdr, byte[] afterPalette) {}

  static byte[] assemble(Tail tail, byte[] rgbPalette) {
    ByteArrayOutputStream plte = new ByteArrayOutputStream(12 + rgbPalette.length);
    writeChunk(plte, "PLTE", rgbPalette);
    byte[] palette = plte.toByteArray();
    byte[] out =
        new byte
            [SIGNATURE.length + tail.ihdr().length + palette.length + tail.afterPalette().length];
    int pos = 0;
    System.arraycopy(SIGNATURE, 0, out, pos, SIGNATURE.length);
    pos += SIGNATURE.length;
    System.arraycopy(tail.ihdr(), 0, out, pos, tail.ihdr().length);
    pos += tail.ihdr().length;
    System.arraycopy(palette, 0, out, pos, palette.length);
    pos += palette.length;
    System.arraycopy(tail.afterPalette(), 0, out, pos, tail.afterPalette().length);
    return out;
  }

  /**
   * Streams the rows through a Deflater, so 12288x1536 needs one row of memory, not an image.
   * Consecutive rows are usually identical and deflate to almost nothing.
   */
  private static byte[] deflatePixels(int width, int height) {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    byte[] buffer = new byte[64 * 1024];
    byte[] row = new byte[1 + (width + 1) / 2];
    int lastKey = -1;
    try {
      for (int y = 0; y < height; y++) {
        int key = Pattern.rowKey(y, height);
        if (key != lastKey) {
          Pattern.fillRow(row, width, y, height);
          lastKey = key;
        }
        deflater.setInput(row);
        while (!deflater.needsInput()) {
          int n = deflater.deflate(buffer);
          out.write(buffer, 0, n);
        }
      }
      deflater.finish();
      while (!deflater.finished()) {
        int n = deflater.deflate(buffer);
        out.write(buffer, 0, n);
      }
    } finally {
      deflater.end();
    }
    return out.toByteArray();
  }

  private static void writeChunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    byte[] len = new byte[4];
    putInt(len, 0, data.length);
    out.writeBytes(len);
    out.writeBytes(typeBytes);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    byte[] c = new byte[4];
    putInt(c, 0, (int) crc.getValue());
    out.writeBytes(c);
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
