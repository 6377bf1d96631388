package io.catalogimage.api.input;

import java.io.IOException;

/**
 * Bytes that are not UTF-8 text we can store as sent: malformed UTF-8 (overlong forms such as
 * {@code C0 AF}, encoded surrogates, code points above U+10FFFF, cut sequences) or a NUL. Thrown
 * while a body is read, with the line it is on (1-based), so that the answer can say where.
 */
public final class InvalidText extends IOException {

  private final long line;
  private final String reason;

  InvalidText(long line, String reason) {
    super("line " + line + ": " + reason);
    this.line = line;
    this.reason = reason;
  }

  public long line() {
    return line;
  }

  /** What is wrong, without the line: e.g. "invalid UTF-8 (overlong encoding: C0 AF)". */
  public String reason() {
    return reason;
  }

  /** The first {@link InvalidText} among {@code failure} and its causes, or null. */
  public static InvalidText in(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InvalidText invalid) {
        return invalid;
      }
    }
    return null;
  }
}
