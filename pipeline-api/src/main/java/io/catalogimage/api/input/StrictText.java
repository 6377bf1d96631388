package io.catalogimage.api.input;

import java.util.Optional;

/**
 * What a string must not hold to be stored exactly as sent: NUL (PostgreSQL refuses it in text) and
 * unpaired surrogates (they have no UTF-8 form and would be stored as '?'). Bytes are checked by
 * {@link StrictUtf8InputStream}; this checks what escapes such as JSON's {@code \u0000} or {@code
 * \uD800} make after decoding.
 */
public final class StrictText {

  private StrictText() {}

  /** Why {@code text} cannot be stored as it is; empty when it can (and for null). */
  public static Optional<String> problem(String text) {
    if (text == null) {
      return Optional.empty();
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        return Optional.of("contains a NUL character (U+0000) at position " + i);
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
          continue;
        }
        return Optional.of(unpaired(c, i));
      }
      if (Character.isLowSurrogate(c)) {
        return Optional.of(unpaired(c, i));
      }
    }
    return Optional.empty();
  }

  private static String unpaired(char c, int at) {
    return String.format(
        "contains an unpaired surrogate (U+%04X) at position %d, which is not a character",
        (int) c, at);
  }
}
