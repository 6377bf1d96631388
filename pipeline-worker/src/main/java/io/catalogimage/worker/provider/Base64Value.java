package io.catalogimage.worker.provider;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a JSON string of base64 (an image in a provider's answer) past Jackson: Jackson decodes
 * base64 one character at a time, four times slower than the JDK's block decoder, and on real-size
 * images that decode was a tenth of the worker's CPU (issue 17).
 *
 * <p>How: the parser stands on the string's token, not yet read. Its unread buffer is taken back
 * ({@link JsonParser#releaseBuffered}), the base64 is read from there and from the stream up to
 * the closing quote and decoded in blocks; what follows the quote is handed to a new parser, behind
 * a short made-up prefix that opens the same nesting ({@code {"_":[{"_":""}), so that parser goes
 * on exactly where the old one stopped: the next tokens, ends of objects and arrays included, are
 * those of the answer.
 */
final class Base64Value {

  private static final int CHUNK = 64 * 1024;
  private static final Base64.Decoder DECODER = Base64.getDecoder();

  private Base64Value() {}

  /** A parser and the stream it reads (which the parser does not close). */
  record Reader(JsonParser parser, InputStream input) {}

  /**
   * Decodes the string value the reader's parser stands on into {@code out} and returns the reader
   * to go on with (the old parser is closed).
   *
   * @throws StreamReadException when the value is not base64 or the answer ends inside it
   * @throws IOException when the stream fails
   */
  static Reader readInto(Reader reader, JsonMapper json, OutputStream out) throws IOException {
    JsonParser parser = reader.parser();
    if (parser.currentToken() != JsonToken.VALUE_STRING) {
      throw new IllegalStateException("not on a string value: " + parser.currentToken());
    }
    ByteArrayOutputStream unread = new ByteArrayOutputStream(8 * 1024); // the parser's buffer
    parser.releaseBuffered(unread);
    byte[] prefix = reopening(parser.streamReadContext());
    // what the parser had taken from its stream but not read comes first, then the rest of it
    InputStream in =
        new SequenceInputStream(new ByteArrayInputStream(unread.toByteArray()), reader.input());
    byte[] after;
    try {
      after = decodeToQuote(in, out);
    } catch (IllegalArgumentException e) {
      throw new StreamReadException(parser, "an image is not valid base64: " + e.getMessage());
    } catch (EndInsideValue e) {
      throw new StreamReadException(parser, "the answer ends inside an image");
    }
    parser.close();
    InputStream rest =
        new SequenceInputStream(
            Collections.enumeration(
                List.of(
                    new ByteArrayInputStream(prefix),
                    new ByteArrayInputStream(after),
                    reader.input())));
    JsonParser next = json.createParser(new KeptOpen(rest));
    while (next.nextToken() != JsonToken.VALUE_STRING) {
      // the prefix's openings and names; its one string value is the stand-in for the image
    }
    return new Reader(next, rest);
  }

  /** A stream a parser reads and must not close: a parser is closed when it is swapped. */
  static final class KeptOpen extends java.io.FilterInputStream {
    KeptOpen(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }

  /**
   * The made-up start of a document with the nesting of {@code context}, up to an empty value: the
   * only string value in it, keys being {@code "_"}.
   */
  static byte[] reopening(TokenStreamContext context) {
    List<String> opens = new ArrayList<>();
    for (TokenStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      opens.add(c.inObject() ? "{\"_\":" : "[");
    }
    Collections.reverse(opens);
    return (String.join("", opens) + "\"\"").getBytes(StandardCharsets.US_ASCII);
  }

  /** Thrown when the stream ends before the closing quote. */
  private static final class EndInsideValue extends Exception {
    EndInsideValue() {
      super(null, null, false, false);
    }
  }

  /**
   * Decodes base64 from {@code in} up to an unescaped quote into {@code out}; returns the bytes
   * read past the quote. JSON may escape the slash ({@code \/}); any other escape is not base64. A
   * full buffer of base64 is decoded into one reused array: an image costs two 64 KB buffers, not a
   * new array per block (1.7 MB of garbage for a 1K image).
   */
  static byte[] decodeToQuote(InputStream in, OutputStream out) throws IOException, EndInsideValue {
    byte[] buf = new byte[CHUNK]; // a multiple of 4: a full buffer is whole base64 groups
    byte[] decoded = new byte[CHUNK / 4 * 3];
    int len = 0; // bytes in buf, from 0
    int scanned = 0; // buf[0, scanned) holds base64 only
    while (true) {
      int quote = -1;
      while (scanned < len) {
        scanned = nextQuoteOrEscape(buf, scanned, len);
        if (scanned == len) {
          break;
        }
        byte b = buf[scanned];
        if (b == '"') {
          quote = scanned;
          break;
        }
        if (b == '\\') {
          if (scanned + 1 == len) {
            break; // the escaped character is not read yet
          }
          if (buf[scanned + 1] != '/') {
            throw new IllegalArgumentException("escaped character in base64");
          }
          System.arraycopy(buf, scanned + 1, buf, scanned, len - scanned - 1);
          len--;
        }
        scanned++;
      }
      if (quote >= 0) {
        decode(buf, 0, quote, out);
        byte[] after = new byte[len - quote - 1];
        System.arraycopy(buf, quote + 1, after, 0, after.length);
        return after;
      }
      if (scanned == buf.length) {
        out.write(decoded, 0, DECODER.decode(buf, decoded));
        len = 0;
        scanned = 0;
      } else if (len == buf.length) { // full but for an escape at its end
        int whole = scanned & ~3;
        decode(buf, 0, whole, out);
        System.arraycopy(buf, whole, buf, 0, len - whole);
        len -= whole;
        scanned -= whole;
      }
      int n = in.read(buf, len, buf.length - len);
      if (n < 0) {
        throw new EndInsideValue();
      }
      len += n;
    }
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long QUOTES = 0x2222222222222222L; // '"' in every byte
  private static final long ESCAPES = 0x5C5C5C5C5C5C5C5CL; // '\\' in every byte

  /**
   * The index of the first quote or backslash in {@code buf[from, to)}, or {@code to}. Eight bytes
   * at a time: a byte equal to the one sought is a zero byte of the word XOR that byte repeated,
   * and {@code (v - 0x01..) & ~v & 0x80..} is non-zero exactly when {@code v} has a zero byte. Byte
   * by byte, scanning a 1K image's 2.1 MB of base64 took four times as long as the JDK's decode of
   * it; scan and decode went from 1.0 to 0.75 ms (2026-12-07).
   */
  static int nextQuoteOrEscape(byte[] buf, int from, int to) {
    int i = from;
    for (; i + Long.BYTES <= to; i += Long.BYTES) {
      long word = (long) LONGS.get(buf, i);
      long quotes = word ^ QUOTES;
      long escapes = word ^ ESCAPES;
      long zeroBytes = ((quotes - ONES) & ~quotes) | ((escapes - ONES) & ~escapes);
      if ((zeroBytes & HIGHS) != 0) {
        break;
      }
    }
    for (; i < to; i++) {
      if (buf[i] == '"' || buf[i] == '\\') {
        return i;
      }
    }
    return to;
  }

  private static void decode(byte[] buf, int from, int to, OutputStream out) throws IOException {
    if (to > from) {
      ByteBuffer bytes = DECODER.decode(ByteBuffer.wrap(buf, from, to - from));
      out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
    }
  }
}
