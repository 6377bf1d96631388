package io.catalogimage.simulator.gemini;

import io.catalogimage.simulator.config.SignatureMode;
import io.catalogimage.simulator.http.Json;
import io.catalogimage.simulator.models.GeminiModel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issues and checks {@code thoughtSignature}s (reference §4). A signature is a random nonce and an
 * HMAC over the nonce, the model and the digest of the part it signs, keyed by the simulator's
 * seed: the next turn can be checked without the server keeping every answer, a signature is valid
 * only on the part it was issued for (an altered text, image or signature fails), and one issued by
 * another model fails too (a conversation does not move between models). The counters let a test
 * see that the echoes were really checked.
 */
public final class ThoughtSignatures {

  /** Gateways' documented dummy for history they did not get from Gemini; accepted unchecked. */
  static final String SKIP_SENTINEL = "skip_thought_signature_validator";

  private static final int NONCE = 12;

  private final AtomicLong issued = new AtomicLong();
  private final AtomicLong verified = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();

  /** Counts since start: signatures issued, echoed ones found intact, and missing or altered. */
  public record Counts(long issued, long verified, long refused) {}

  public Counts counts() {
    return new Counts(issued.get(), verified.get(), refused.get());
  }

  public void reset() {
    issued.set(0);
    verified.set(0);
    refused.set(0);
  }

  /** Signs {@code part} (a final image or the first post-thought text) for a 3.x model. */
  void sign(ObjectNode part, GeminiModel model, long seed) {
    if (model.thinking()) {
      signDigest(part, model, seed, digest(part));
    }
  }

  /**
   * Signs an image part whose data in the tree is a placeholder: {@code base64} is the text the
   * client receives in its place (and will echo back).
   */
  void signImage(ObjectNode part, String mimeType, byte[] base64, GeminiModel model, long seed) {
    if (model.thinking()) {
      signDigest(part, model, seed, servedImageDigest(mimeType, base64));
    }
  }

  /**
   * The digest of an image being served. A real-size image is one cached array shared by every
   * answer of its size, so its digest is kept beside it (by identity, dropped with it): hashing
   * 2-34 MB of base64 per answer was half of the simulator's CPU per 1K answer (issue 17).
   */
  private byte[] servedImageDigest(String mimeType, byte[] base64) {
    if (base64.length < SHARED_BLOB_BYTES) {
      return imageDigest(mimeType, base64);
    }
    ImageDigest known = sharedDigests.get(base64);
    if (known == null || !known.mimeType().equals(mimeType)) {
      known = new ImageDigest(mimeType, imageDigest(mimeType, base64));
      sharedDigests.put(base64, known);
    }
    return known.digest();
  }

  private record ImageDigest(String mimeType, byte[] digest) {}

  /** Smaller arrays are built per answer (small images): not worth keeping. */
  private static final int SHARED_BLOB_BYTES = 256 * 1024;

  // WeakHashMap compares array keys by identity, and forgets them once the image cache drops them
  private final Map<byte[], ImageDigest> sharedDigests =
      Collections.synchronizedMap(new WeakHashMap<>());

  private void signDigest(ObjectNode part, GeminiModel model, long seed, byte[] digest) {
    byte[] nonce = new byte[NONCE];
    ThreadLocalRandom.current().nextBytes(nonce);
    byte[] mac = mac(seed, nonce, model.id(), digest);
    byte[] signature = ByteBuffer.allocate(NONCE + mac.length).put(nonce).put(mac).array();
    part.put("thoughtSignature", Base64.getEncoder().encodeToString(signature));
    issued.incrementAndGet();
  }

  /**
   * Checks every earlier model turn of {@code contents} against the echo rule: each non-thought
   * image part, and the first non-thought text part when it comes before any image, must carry the
   * signature issued for it; any signature present must be intact. Empty when all is well (or the
   * mode is OFF, or the model does not sign), else the error message Google gives.
   */
  Optional<String> check(JsonNode contents, GeminiModel model, long seed, SignatureMode mode) {
    if (mode == SignatureMode.OFF || !model.thinking() || contents == null) {
      return Optional.empty();
    }
    Optional<String> problem = Optional.empty();
    for (int i = 0; i < contents.size(); i++) {
      JsonNode content = contents.get(i);
      if (!"model".equals(Json.string(content, "role"))) {
        continue;
      }
      boolean imageSeen = false;
      boolean textSeen = false;
      JsonNode parts = Json.get(content, "parts");
      for (int j = 0; parts != null && j < parts.size(); j++) {
        JsonNode part = parts.get(j);
        if (part.path("thought").asBoolean(false)) {
          continue;
        }
        boolean image = Json.get(part, "inlineData") != null || Json.get(part, "fileData") != null;
        boolean text = Json.string(part, "text") != null;
        boolean required = image || (text && !textSeen && !imageSeen);
        imageSeen |= image;
        textSeen |= text;
        String signature = Json.string(part, "thoughtSignature");
        Optional<String> here = Optional.empty();
        if (signature == null) {
          if (required) {
            here =
                Optional.of(
                    ("Unable to submit request because the %s part at contents[%d].parts[%d] is"
                            + " missing a thought_signature. Thought signatures must be passed back"
                            + " exactly as received. Learn more:"
                            + " https://ai.google.dev/gemini-api/docs/thought-signatures")
                        .formatted(image ? "image" : "text", i, j));
          }
        } else if (!signature.equals(SKIP_SENTINEL)) {
          if (valid(signature, part, model, seed)) {
            verified.incrementAndGet();
          } else {
            here = Optional.of("Corrupted thought signature.");
          }
        }
        if (here.isPresent()) {
          refused.incrementAndGet();
          if (problem.isEmpty()) {
            problem = here;
          }
        }
      }
    }
    return problem;
  }

  private boolean valid(String signature, JsonNode part, GeminiModel model, long seed) {
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (raw.length <= NONCE) {
      return false;
    }
    byte[] nonce = Arrays.copyOf(raw, NONCE);
    byte[] mac = Arrays.copyOfRange(raw, NONCE, raw.length);
    return MessageDigest.isEqual(mac, mac(seed, nonce, model.id(), digest(part)));
  }

  /** What a signature covers: the part's text, or its image's MIME type and data, as sent. */
  private static byte[] digest(JsonNode part) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      String text = Json.string(part, "text");
      JsonNode inline = Json.get(part, "inlineData");
      if (text != null) {
        sha.update("text:".getBytes(StandardCharsets.UTF_8));
        sha.update(text.getBytes(StandardCharsets.UTF_8));
      } else if (inline != null) {
        return imageDigest(
            String.valueOf(Json.string(inline, "mimeType")),
            String.valueOf(Json.string(inline, "data")).getBytes(StandardCharsets.UTF_8));
      } else {
        sha.update(part.toString().getBytes(StandardCharsets.UTF_8));
      }
      return sha.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] imageDigest(String mimeType, byte[] base64) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("image:".getBytes(StandardCharsets.UTF_8));
      sha.update(mimeType.getBytes(StandardCharsets.UTF_8));
      sha.update(base64);
      return sha.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] mac(long seed, byte[] nonce, String model, byte[] digest) {
    try {
      Mac hmac = Mac.getInstance("HmacSHA256");
      byte[] key =
          ByteBuffer.allocate(Long.BYTES + 8)
              .putLong(seed)
              .put("sim-sig1".getBytes(StandardCharsets.US_ASCII))
              .array();
      hmac.init(new SecretKeySpec(key, "HmacSHA256"));
      hmac.update(nonce);
      hmac.update(model.getBytes(StandardCharsets.UTF_8));
      hmac.update(digest);
      return Arrays.copyOf(hmac.doFinal(), 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
