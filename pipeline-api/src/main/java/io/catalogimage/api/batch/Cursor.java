package io.catalogimage.api.batch;

import io.catalogimage.api.problem.ApiProblem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Opaque page cursors: the position of the last item returned, base64url-encoded. */
final class Cursor {

  private static final String PREFIX = "after:";

  private Cursor() {}

  static String after(int itemNo) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((PREFIX + itemNo).getBytes(StandardCharsets.UTF_8));
  }

  /** The position to continue after; -1 (before the first item) when there is no cursor. */
  static int decode(String cursor) {
    if (cursor == null || cursor.isBlank()) {
      return -1;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (!text.startsWith(PREFIX)) {
        throw new IllegalArgumentException();
      }
      return Integer.parseInt(text.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw ApiProblem.invalidParameter(
          "cursor", "is not a cursor this api issued; pass nextCursor from the previous page");
    }
  }
}
