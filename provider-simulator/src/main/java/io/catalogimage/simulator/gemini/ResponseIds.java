package io.catalogimage.simulator.gemini;

import io.catalogimage.simulator.models.GeminiModel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.node.ObjectNode;

/** Response ids and thought signatures. */
final class ResponseIds {
  private ResponseIds() {}

  /**
   * Gemini 3 image models sign the first post-thought text part and every final image; 2.5 Flash
   * Image has no signatures (reference §4). Not verified by the simulator on the next turn.
   */
  static void sign(ObjectNode part, GeminiModel model, long seed, String responseId, int i) {
    if (!model.thinking()) {
      return;
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(ByteBuffer.allocate(Long.BYTES).putLong(seed).array());
      sha.update((responseId + ':' + i).getBytes(StandardCharsets.UTF_8));
      part.put("thoughtSignature", Base64.getEncoder().encodeToString(sha.digest()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** 23 URL-safe characters, like the real ids (e.g. BgtOas67BpOJqtsP3pXGqQU). */
  static String responseId() {
    byte[] bytes = new byte[17];
    ThreadLocalRandom.current().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
