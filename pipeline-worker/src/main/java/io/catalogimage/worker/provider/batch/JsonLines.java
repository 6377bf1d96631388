package io.catalogimage.worker.provider.batch;

import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a JSON Lines stream into one stream per non-blank line, read through one 64 KB buffer: the
 * lines are never held whole. Each line's stream ends at its newline (or the end of input); take
 * the next line only after reading the previous one to its end.
 */
public final class JsonLines {
  private final InputStream in;
  private final byte[] buffer = new byte[64 * 1024];
  private int pos;
  private int limit;
  private boolean eof;

  public JsonLines(InputStream in) {
    this.in = in;
  }

  /** The next non-blank line, or null at the end of the input. */
  public InputStream next() throws IOException {
    while (true) {
      if (pos == limit && !fill()) {
        return null;
      }
      byte b = buffer[pos];
      if (b == '\n' || b == '\r' || b == ' ' || b == '\t') {
        pos++; // blank lines and the whitespace before a line's JSON
        continue;
      }
      return new Line();
    }
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n = in.read(buffer);
    if (n < 0) {
      eof = true;
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  /** One line's bytes, without its newline. */
  private final class Line extends InputStream {
    private boolean ended;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (ended) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      if (pos == limit && !fill()) {
        ended = true;
        return -1;
      }
      int end = Math.min(limit, pos + len);
      for (int i = pos; i < end; i++) {
        if (buffer[i] == '\n') {
          int n = i - pos;
          System.arraycopy(buffer, pos, b, off, n);
          pos = i + 1;
          ended = true;
          return n == 0 ? -1 : n;
        }
      }
      int n = end - pos;
      System.arraycopy(buffer, pos, b, off, n);
      pos = end;
      return n;
    }
  }
}
