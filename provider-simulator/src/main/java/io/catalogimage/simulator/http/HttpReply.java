package io.catalogimage.simulator.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A complete HTTP response, built before it is written. The body is a list of segments written one
 * after the other, so an answer carrying a 30 MB base64 image shares the cached image bytes instead
 * of copying them into a new array per call.
 */
public record HttpReply(
    int status, String contentType, List<byte[]> segments, Map<String, String> headers) {
  public static final String JSON = "application/json; charset=UTF-8";

  public HttpReply {
    segments = List.copyOf(segments);
    headers = Map.copyOf(headers);
  }

  public HttpReply(int status, String contentType, byte[] body, Map<String, String> headers) {
    this(status, contentType, List.of(body), headers);
  }

  public static HttpReply json(int status, JsonNode body) {
    return new HttpReply(status, JSON, Json.bytes(body), Map.of());
  }

  /**
   * A JSON answer whose string values equal to a key of {@code blobs} are replaced by that blob's
   * bytes (already JSON-safe text, e.g. base64), without serialising the blob through the tree.
   */
  public static HttpReply jsonWithBlobs(int status, JsonNode body, Map<String, byte[]> blobs) {
    byte[] json = Json.bytes(body);
    if (blobs.isEmpty()) {
      return new HttpReply(status, JSON, json, Map.of());
    }
    List<byte[]> out = new ArrayList<>();
    int from = 0;
    int i = 0;
    while (i < json.length) {
      String hit = blobAt(json, i, blobs);
      if (hit == null) {
        i++;
        continue;
      }
      if (i > from) {
        out.add(java.util.Arrays.copyOfRange(json, from, i));
      }
      out.add(blobs.get(hit));
      i += hit.length();
      from = i;
    }
    if (from < json.length) {
      out.add(java.util.Arrays.copyOfRange(json, from, json.length));
    }
    return new HttpReply(status, JSON, out, Map.of());
  }

  private static String blobAt(byte[] json, int at, Map<String, byte[]> blobs) {
    if (json[at] != '@') {
      return null;
    }
    for (String key : blobs.keySet()) {
      if (at + key.length() <= json.length && startsWith(json, at, key)) {
        return key;
      }
    }
    return null;
  }

  private static boolean startsWith(byte[] b, int at, String ascii) {
    for (int k = 0; k < ascii.length(); k++) {
      if (b[at + k] != ascii.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  public static HttpReply text(int status, String contentType, String body) {
    return new HttpReply(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** Body length in bytes. */
  public long length() {
    long n = 0;
    for (byte[] s : segments) {
      n += s.length;
    }
    return n;
  }

  /**
   * Writes the body in slices: the JDK's HttpServer copies each write into a new buffer of its
   * size, so one 33 MB write would cost 33 MB of heap per answer being written.
   */
  public void writeTo(OutputStream out) throws IOException {
    for (byte[] s : segments) {
      for (int at = 0; at < s.length; at += WRITE_SLICE) {
        out.write(s, at, Math.min(WRITE_SLICE, s.length - at));
      }
    }
  }

  private static final int WRITE_SLICE = 64 * 1024;

  /** The whole body in one array (small answers, tests). */
  public byte[] body() {
    if (segments.size() == 1) {
      return segments.get(0);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(length(), 1 << 30));
    segments.forEach(out::writeBytes);
    return out.toByteArray();
  }

  public HttpReply withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new HttpReply(status, contentType, segments, copy);
  }

  public HttpReply withHeaders(Map<String, String> more) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.putAll(more);
    return new HttpReply(status, contentType, segments, copy);
  }
}
