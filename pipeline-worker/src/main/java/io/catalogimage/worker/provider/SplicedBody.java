package io.catalogimage.worker.provider;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * A request body whose images are read from where they are kept (the spool: memory chunks or a
 * file) while it is sent, never copied into one array or base64 {@code String}: the text around
 * them is built as usual with a placeholder where each image goes, and the image is spliced in, raw
 * (multipart) or base64-encoded on the fly (JSON). Its length is known up front, so the request
 * carries a Content-Length; it can be opened again for a retried send.
 */
public final class SplicedBody {

  /** One image to splice: reopened on each send, exactly {@code size} bytes. */
  public record Source(Supplier<InputStream> open, long size) {
    public static Source of(byte[] bytes) {
      return new Source(() -> new ByteArrayInputStream(bytes), bytes.length);
    }

    /** An image held in the spool (memory chunks or a file): read from there on each send. */
    public static Source of(io.catalogimage.worker.result.ResultSpool.Held held) {
      return new Source(held::open, held.size());
    }

    /** All bytes in one new array: only where a whole body is built anyway (batch files, tests). */
    public byte[] readAll() {
      try (InputStream in = open.get()) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private final String token = "@@splice-" + UUID.randomUUID() + "-";
  private final List<Source> sources = new ArrayList<>();
  private final List<Boolean> base64 = new ArrayList<>();
  private final List<Segment> segments = new ArrayList<>();
  private long length = -1;

  private sealed interface Segment {}

  private record Text(byte[] bytes) implements Segment {}

  private record Image(int index) implements Segment {}

  /**
   * The placeholder to write where the image goes, in a JSON string value: replaced by the image's
   * base64 (no quotes added: the placeholder stands inside the quotes).
   */
  public String base64(Source source) {
    return add(source, true);
  }

  /** The placeholder to write where the image's raw bytes go (a multipart part's content). */
  public String raw(Source source) {
    return add(source, false);
  }

  private String add(Source source, boolean encoded) {
    if (length >= 0) {
      throw new IllegalStateException("the body is already built");
    }
    sources.add(source);
    base64.add(encoded);
    return token + (sources.size() - 1) + "@@";
  }

  /** Takes the text with its placeholders (UTF-8 or ASCII bytes); call once. */
  public SplicedBody around(byte[] text) {
    if (length >= 0) {
      throw new IllegalStateException("the body is already built");
    }
    byte[] marker = token.getBytes(StandardCharsets.US_ASCII);
    long total = 0;
    int from = 0;
    int found = 0;
    for (int at = indexOf(text, marker, 0); at >= 0; at = indexOf(text, marker, from)) {
      int end = at + marker.length;
      int index = 0;
      while (text[end] >= '0' && text[end] <= '9') {
        index = index * 10 + (text[end++] - '0');
      }
      end += 2; // the closing "@@"
      byte[] before = java.util.Arrays.copyOfRange(text, from, at);
      segments.add(new Text(before));
      segments.add(new Image(index));
      total += before.length + encodedSize(index);
      from = end;
      found++;
    }
    if (found != sources.size()) {
      throw new IllegalStateException(
          "the body holds " + found + " of its " + sources.size() + " image placeholders");
    }
    byte[] rest = java.util.Arrays.copyOfRange(text, from, text.length);
    segments.add(new Text(rest));
    length = total + rest.length;
    return this;
  }

  private long encodedSize(int index) {
    long n = sources.get(index).size();
    return base64.get(index) ? 4 * ((n + 2) / 3) : n;
  }

  /** Bytes the body sends (its Content-Length). */
  public long length() {
    requireBuilt();
    return length;
  }

  /** A new stream over the whole body. */
  public InputStream open() {
    requireBuilt();
    List<InputStream> parts = new ArrayList<>(segments.size());
    for (Segment s : segments) {
      if (s instanceof Text t) {
        parts.add(new ByteArrayInputStream(t.bytes()));
      } else {
        int i = ((Image) s).index();
        InputStream in = new Exactly(sources.get(i).open().get(), sources.get(i).size());
        parts.add(base64.get(i) ? new Base64Encoding(in) : in);
      }
    }
    return new SequenceInputStream(Collections.enumeration(parts));
  }

  /** The publisher for {@link HttpRequest.Builder#POST}: streamed, with its Content-Length. */
  public HttpRequest.BodyPublisher publisher() {
    return HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofInputStream(this::open), length());
  }

  /** The whole body in one array: for bodies that are stored anyway (batch files) and tests. */
  public byte[] toBytes() {
    try (InputStream in = open()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void requireBuilt() {
    if (length < 0) {
      throw new IllegalStateException("call around(text) first");
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** A source that must give exactly its declared size (the Content-Length depends on it). */
  private static final class Exactly extends InputStream {
    private final InputStream in;
    private long left;

    Exactly(InputStream in, long size) {
      this.in = in;
      this.left = size;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left == 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new IOException("an image ended " + left + " bytes short of its size");
      }
      left -= n;
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** Base64 of the bytes read, encoded 48 KB at a time (a multiple of 3: no padding mid-way). */
  private static final class Base64Encoding extends InputStream {
    private static final int RAW = 48 * 1024;
    private final InputStream in;
    private final byte[] raw = new byte[RAW];
    private final byte[] buffer = new byte[RAW / 3 * 4];
    private byte[] encoded = new byte[0];
    private int pos;
    private boolean eof;

    Base64Encoding(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      if (!fill()) {
        return -1;
      }
      return encoded[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, encoded.length - pos);
      System.arraycopy(encoded, pos, b, off, n);
      pos += n;
      return n;
    }

    private boolean fill() throws IOException {
      if (pos < encoded.length) {
        return true;
      }
      if (eof) {
        return false;
      }
      int n = in.readNBytes(raw, 0, RAW);
      if (n < RAW) {
        eof = true;
      }
      if (n == 0) {
        return false;
      }
      if (n == RAW) {
        Base64.getEncoder().encode(raw, buffer); // into the same buffer each time
        encoded = buffer;
      } else {
        encoded = Base64.getEncoder().encode(java.util.Arrays.copyOf(raw, n)); // the last chunk
      }
      pos = 0;
      return true;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
