package io.catalogimage.api.input;

import java.util.HexFormat;

/**
 * A strict UTF-8 validator (RFC 3629), fed one byte at a time: every byte sequence it accepts
 * decodes to exactly one string, so no decoder further on has anything to replace. Refuses overlong
 * forms, encoded surrogates (U+D800-U+DFFF), code points above U+10FFFF, stray continuation bytes,
 * cut sequences, and NUL, which PostgreSQL cannot store in text.
 */
final class Utf8 {

  private int needed;
  private int lower = 0x80;
  private int upper = 0xbf;
  private final byte[] sequence = new byte[4];
  private int length;

  /** Null when {@code b} continues valid text, else what is wrong with the sequence so far. */
  String accept(int b) {
    b &= 0xff;
    if (needed == 0) {
      length = 0;
      sequence[length++] = (byte) b;
      if (b == 0) {
        return "a NUL character (U+0000)";
      }
      if (b < 0x80) {
        return null;
      }
      if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
      } else if (b >= 0xe0 && b <= 0xef) {
        needed = 2;
        lower = b == 0xe0 ? 0xa0 : 0x80;
        upper = b == 0xed ? 0x9f : 0xbf;
        return null;
      } else if (b >= 0xf0 && b <= 0xf4) {
        needed = 3;
        lower = b == 0xf0 ? 0x90 : 0x80;
        upper = b == 0xf4 ? 0x8f : 0xbf;
        return null;
      } else {
        return invalid(startByte(b));
      }
      lower = 0x80;
      upper = 0xbf;
      return null;
    }
    sequence[length++] = (byte) b;
    if (b < lower || b > upper) {
      String why = continuation(b);
      needed = 0;
      lower = 0x80;
      upper = 0xbf;
      return invalid(why);
    }
    lower = 0x80;
    upper = 0xbf;
    needed--;
    return null;
  }

  /** Null when the text ended on a whole character, else what is cut. */
  String end() {
    if (needed == 0) {
      return null;
    }
    needed = 0;
    return invalid("a sequence cut off at the end");
  }

  private String startByte(int b) {
    if (b >= 0x80 && b <= 0xbf) {
      return "a continuation byte without a start";
    }
    if (b == 0xc0 || b == 0xc1) {
      return "an overlong encoding";
    }
    return "a byte that never occurs in UTF-8";
  }

  private String continuation(int b) {
    int first = sequence[0] & 0xff;
    if (b >= 0x80 && b <= 0xbf) {
      if (first == 0xe0 || first == 0xf0) {
        return "an overlong encoding";
      }
      if (first == 0xed) {
        return "an encoded surrogate (U+D800-U+DFFF)";
      }
      if (first == 0xf4) {
        return "a code point above U+10FFFF";
      }
    }
    return "a sequence cut off by another character";
  }

  private String invalid(String why) {
    return "invalid UTF-8: "
        + why
        + " (bytes "
        + HexFormat.ofDelimiter(" ").withUpperCase().formatHex(sequence, 0, length)
        + ")";
  }
}
