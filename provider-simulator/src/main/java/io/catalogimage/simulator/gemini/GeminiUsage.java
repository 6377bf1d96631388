package io.catalogimage.simulator.gemini;

import io.catalogimage.simulator.fault.Hashing;
import io.catalogimage.simulator.models.GeminiModel;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code usageMetadata}: prompt tokens from text and input images (258 per image on 2.5, 560 on
 * 3.x), candidate tokens = image tokens from the table + text tokens, thought tokens on thinking
 * models, and the total as their sum (reference §1.4, §1.5).
 */
final class GeminiUsage {
  private GeminiUsage() {}

  /** Writes the usage of a response that produced {@code imageTokens} and {@code textTokens}. */
  static void write(
      ObjectNode root,
      GeminiRequest req,
      GeminiModel served,
      int imageTokens,
      int textTokens,
      boolean thinking) {
    int imageInput = req.inputImages() * served.inputImageTokens();
    int prompt = req.promptTextTokens() + imageInput;
    int candidates = imageTokens + textTokens;
    int thoughts = thinking ? thoughtTokens(req.prompt()) : 0;
    ObjectNode usage = root.putObject("usageMetadata");
    usage.put("promptTokenCount", prompt);
    if (candidates > 0) {
      usage.put("candidatesTokenCount", candidates);
    }
    usage.put("totalTokenCount", prompt + candidates + thoughts);
    if (thinking) {
      usage.put("thoughtsTokenCount", thoughts);
    }
    promptDetails(usage, req.promptTextTokens(), imageInput);
    if (candidates > 0) {
      ArrayNode details = usage.putArray("candidatesTokensDetails");
      if (imageTokens > 0) {
        details.addObject().put("modality", "IMAGE").put("tokenCount", imageTokens);
      }
      if (textTokens > 0) {
        details.addObject().put("modality", "TEXT").put("tokenCount", textTokens);
      }
    }
  }

  /** IMAGE_SAFETY's observed usage: candidatesTokenCount 0, yet thought tokens billed. */
  static void writeZeroCandidates(ObjectNode root, GeminiRequest req, GeminiModel model) {
    int imageInput = req.inputImages() * model.inputImageTokens();
    int prompt = req.promptTextTokens() + imageInput;
    int thoughts = thoughtTokens(req.prompt());
    ObjectNode usage = root.putObject("usageMetadata");
    usage.put("promptTokenCount", prompt);
    usage.put("candidatesTokenCount", 0);
    usage.put("totalTokenCount", prompt + thoughts);
    usage.put("thoughtsTokenCount", thoughts);
    promptDetails(usage, req.promptTextTokens(), imageInput);
  }

  private static void promptDetails(ObjectNode usage, int text, int image) {
    ArrayNode details = usage.putArray("promptTokensDetails");
    details.addObject().put("modality", "TEXT").put("tokenCount", text);
    if (image > 0) {
      details.addObject().put("modality", "IMAGE").put("tokenCount", image);
    }
  }

  /** 100-400, a function of the prompt only (❓ the range is a guess from one sample of 293). */
  static int thoughtTokens(String prompt) {
    return 100 + (int) Math.floorMod(Hashing.of("thoughts:" + prompt), 301L);
  }
}
