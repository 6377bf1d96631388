package io.catalogimage.worker.provider;

import io.catalogimage.common.model.Dimensions;
import io.catalogimage.worker.result.ResultSpool;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads an image's dimensions from its header, without decoding the pixels (a 4K image decoded
 * would cost 64 MB and a second of CPU).
 */
public final class ImageHeader {

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  static {
    ImageIO.setUseCache(false); // a header read from a stream must not copy it to a temp file
  }

  private ImageHeader() {}

  public static Optional<Dimensions> dimensions(byte[] image) {
    if (isPng(image)) {
      if (image.length < 24) {
        return Optional.empty();
      }
      int width = readInt(image, 16);
      int height = readInt(image, 20);
      return width > 0 && height > 0
          ? Optional.of(new Dimensions(width, height))
          : Optional.empty();
    }
    return viaImageIo(image);
  }

  /** Dimensions of a received image: a PNG's from its first bytes, others from their header. */
  public static Optional<Dimensions> dimensions(ResultSpool.Held image) {
    byte[] head = image.head();
    if (isPng(head)) {
      return dimensions(head);
    }
    try (InputStream in = image.open()) {
      return viaImageIo(in);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** True when the first bytes are a PNG signature or a JPEG start-of-image marker. */
  public static boolean isPngOrJpeg(byte[] head) {
    return isPng(head)
        || (head.length >= 3
            && (head[0] & 0xff) == 0xFF
            && (head[1] & 0xff) == 0xD8
            && (head[2] & 0xff) == 0xFF);
  }

  public static boolean isPng(byte[] image) {
    if (image == null || image.length < PNG_SIGNATURE.length) {
      return false;
    }
    for (int i = 0; i < PNG_SIGNATURE.length; i++) {
      if (image[i] != PNG_SIGNATURE[i]) {
        return false;
      }
    }
    return true;
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24)
        | ((b[at + 1] & 0xff) << 16)
        | ((b[at + 2] & 0xff) << 8)
        | (b[at + 3] & 0xff);
  }

  private static Optional<Dimensions> viaImageIo(byte[] image) {
    return viaImageIo(new ByteArrayInputStream(image));
  }

  private static Optional<Dimensions> viaImageIo(InputStream source) {
    try (ImageInputStream in = ImageIO.createImageInputStream(source)) {
      if (in == null) {
        return Optional.empty();
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return Optional.empty();
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        return Optional.of(new Dimensions(reader.getWidth(0), reader.getHeight(0)));
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
