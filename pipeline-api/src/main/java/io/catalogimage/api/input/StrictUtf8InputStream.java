package io.catalogimage.api.input;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body checked as it is read: the bytes pass unchanged while they are strict UTF-8
 * without NUL ({@link Utf8}); at the first that is not, the bytes before it are handed on and the
 * next read throws {@link InvalidText} with the line. A parser reading through it therefore stops
 * inside the very field or row that holds the bad bytes, and can name it.
 */
public final class StrictUtf8InputStream extends FilterInputStream {

  private final Utf8 utf8 = new Utf8();
  private long line = 1;
  private InvalidText pending;
  private boolean ended;

  private StrictUtf8InputStream(InputStream in) {
    super(in);
  }

  public static InputStream of(InputStream in) {
    return new StrictUtf8InputStream(in);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    if (pending != null) {
      throw pending;
    }
    if (len == 0) {
      return 0;
    }
    int n = super.read(buf, off, len);
    if (n < 0) {
      if (!ended) {
        ended = true;
        String cut = utf8.end();
        if (cut != null) {
          throw new InvalidText(line, cut);
        }
      }
      return -1;
    }
    for (int i = 0; i < n; i++) {
      String wrong = utf8.accept(buf[off + i]);
      if (wrong != null) {
        pending = new InvalidText(line, wrong);
        if (i == 0) {
          throw pending;
        }
        return i;
      }
      if (buf[off + i] == '\n') {
        line++;
      }
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] scratch = new byte[(int) Math.min(8192, Math.max(n, 1))];
    long skipped = 0;
    while (skipped < n) {
      int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}
