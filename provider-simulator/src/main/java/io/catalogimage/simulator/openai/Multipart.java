package io.catalogimage.simulator.openai;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough of multipart/form-data to read the fields and files of an images/edits call. */
final class Multipart {
  private static final Pattern BOUNDARY = Pattern.compile("boundary=(\"?)([^\";]+)\\1");
  private static final Pattern NAME = Pattern.compile("(?i)\\bname=\"([^\"]*)\"");
  private static final Pattern FILENAME = Pattern.compile("(?i)\\bfilename=\"([^\"]*)\"");

  /** One form field; {@code filename} is null for plain fields. */
  record Part(String name, String filename, byte[] data) {
    String text() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  private Multipart() {}

  static boolean isMultipart(String contentType) {
    return contentType != null
        && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
  }

  static List<Part> parse(String contentType, byte[] body) {
    Matcher b = BOUNDARY.matcher(contentType);
    if (!b.find()) {
      throw new OpenAiError(
          400,
          "Could not parse multipart form: no boundary in Content-Type.",
          "invalid_request_error",
          null,
          null);
    }
    byte[] delimiter = ("--" + b.group(2)).getBytes(StandardCharsets.ISO_8859_1);
    List<Part> parts = new ArrayList<>();
    int pos = indexOf(body, delimiter, 0);
    while (pos >= 0) {
      int start = pos + delimiter.length;
      if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
        break; // closing delimiter
      }
      start = skipLineBreak(body, start);
      int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
      if (headersEnd < 0) {
        break;
      }
      String headers = new String(body, start, headersEnd - start, StandardCharsets.UTF_8);
      int dataStart = headersEnd + 4;
      int next = indexOf(body, delimiter, dataStart);
      if (next < 0) {
        break;
      }
      int dataEnd = next;
      if (dataEnd >= 2 && body[dataEnd - 2] == '\r' && body[dataEnd - 1] == '\n') {
        dataEnd -= 2;
      }
      Matcher name = NAME.matcher(headers);
      Matcher filename = FILENAME.matcher(headers);
      byte[] data = new byte[Math.max(0, dataEnd - dataStart)];
      System.arraycopy(body, dataStart, data, 0, data.length);
      parts.add(
          new Part(
              name.find() ? name.group(1) : "", filename.find() ? filename.group(1) : null, data));
      pos = next;
    }
    return parts;
  }

  private static int skipLineBreak(byte[] body, int i) {
    if (i + 1 < body.length && body[i] == '\r' && body[i + 1] == '\n') {
      return i + 2;
    }
    return i;
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
