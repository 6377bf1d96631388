package io.catalogimage.common.image;

import java.util.Arrays;

/** The image types a product photo may be, told by their bytes rather than a declared type. */
public final class ImageTypes {

  private ImageTypes() {}

  /**
   * The image type the bytes are, by their signature: image/png, image/jpeg, image/webp or null.
   */
  public static String sniff(byte[] b) {
    if (startsWith(b, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return "image/png";
    }
    if (startsWith(b, 0xFF, 0xD8, 0xFF)) {
      return "image/jpeg";
    }
    if (b.length >= 12
        && startsWith(b, 'R', 'I', 'F', 'F')
        && Arrays.equals(Arrays.copyOfRange(b, 8, 12), "WEBP".getBytes())) {
      return "image/webp";
    }
    return null;
  }

  private static boolean startsWith(byte[] b, int... prefix) {
    if (b.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if ((b[i] & 0xff) != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
