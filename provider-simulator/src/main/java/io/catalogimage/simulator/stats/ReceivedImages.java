package io.catalogimage.simulator.stats;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;

/**
 * The input images (Gemini {@code inlineData} parts of image and caption calls, OpenAI edits' image
 * files and chat completions' {@code data:} URLs) the simulator received most recently, by size and
 * SHA-256: what a test checks to know a photo arrived byte for byte. Keeps the last {@value #KEPT}
 * only, never the bytes.
 */
public final class ReceivedImages {

  static final int KEPT = 256;

  /** One image as received: its decoded size and hex SHA-256. */
  public record Received(String mimeType, long size, String sha256) {}

  private final Deque<Received> recent = new ArrayDeque<>();

  /** Records the decoded bytes of one input image. */
  public void received(String mimeType, byte[] bytes) {
    Received r;
    try {
      r =
          new Received(
              mimeType,
              bytes.length,
              HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    synchronized (recent) {
      recent.addLast(r);
      while (recent.size() > KEPT) {
        recent.removeFirst();
      }
    }
  }

  /** The images received, oldest first. */
  public List<Received> recent() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }

  public void reset() {
    synchronized (recent) {
      recent.clear();
    }
  }
}
