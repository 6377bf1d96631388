package io.catalogimage.simulator.gemini;

import io.catalogimage.simulator.engine.Verdict;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.fault.Hashing;
import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP 200 answers without an image: a blocked prompt, the finishReason blocks and the
 * text-only refusal, in the shapes observed in real payloads (reference §1.6, §8).
 */
final class GeminiBlocks {
  private static final String IMAGE_OTHER_MESSAGE =
      "Unable to show the generated image. The model could not generate the image based on the"
          + " prompt provided. You will not be charged for this request. Try rephrasing the"
          + " prompt.";

  private GeminiBlocks() {}

  static HttpReply promptBlocked(GeminiResponses.Context ctx, Verdict verdict) {
    String[] reasons = {"PROHIBITED_CONTENT", "OTHER", "SAFETY", "IMAGE_SAFETY"};
    ObjectNode root = Json.object();
    root.putObject("promptFeedback")
        .put("blockReason", reasons[(int) Math.floorMod(verdict.draw(), (long) reasons.length)]);
    GeminiUsage.write(root, ctx.request(), ctx.model(), 0, 0, false);
    root.put("modelVersion", ctx.model().id());
    root.put("responseId", ResponseIds.responseId());
    return HttpReply.json(200, root);
  }

  static HttpReply refusal(GeminiResponses.Context ctx) {
    String responseId = ResponseIds.responseId();
    String text =
        "I'm sorry, but I can't create that image. Please try a different description of the"
            + " product.";
    ObjectNode root = Json.object();
    ObjectNode candidate = root.putArray("candidates").addObject();
    ObjectNode content = candidate.putObject("content");
    content.put("role", "model");
    ObjectNode part = content.putArray("parts").addObject();
    part.put("text", text);
    ResponseIds.sign(part, ctx.model(), ctx.seed(), responseId, 0);
    candidate.put("finishReason", "STOP");
    candidate.put("index", 0);
    GeminiUsage.write(
        root, ctx.request(), ctx.model(), 0, GeminiRequest.tokens(text), ctx.model().thinking());
    root.put("modelVersion", ctx.model().id());
    root.put("responseId", responseId);
    return HttpReply.json(200, root);
  }

  /** The HTTP 200 finishReason blocks: no image, shapes as observed (reference §1.6, §8). */
  static HttpReply blocked(GeminiResponses.Context ctx, Verdict verdict, FaultKind fault) {
    ObjectNode root = Json.object();
    ObjectNode candidate = root.putArray("candidates").addObject();
    long supportCode = 10_000_000 + Math.floorMod(Hashing.mix(verdict.draw()), 90_000_000L);
    boolean thoughts = ctx.model().thinking();
    switch (fault) {
      case IMAGE_SAFETY -> {
        ObjectNode content = candidate.putObject("content");
        if (ctx.settings().imageSafetyNullParts()) {
          content.putNull("parts");
        }
        content.put("role", "model");
        candidate.put("finishReason", "IMAGE_SAFETY");
        candidate.put(
            "finishMessage",
            "Unable to show the generated image. The generated image was filtered out because it"
                + " may violate Google's Generative AI Prohibited Use policy. Try rephrasing the"
                + " prompt.");
        thoughts = true; // observed: no candidate tokens, but the thinking was billed
      }
      case IMAGE_PROHIBITED_CONTENT -> {
        candidate.putObject("content").put("role", "model");
        candidate.put("finishReason", "IMAGE_PROHIBITED_CONTENT");
        candidate.put(
            "finishMessage",
            "The model output could not be generated. This output contains sensitive words that"
                + " violate Google's Responsible AI practices. If you think this was an error,"
                + " send feedback. Support code: "
                + supportCode
                + ".");
      }
      case IMAGE_RECITATION -> {
        candidate.putObject("content").put("role", "model");
        candidate.put("finishReason", "IMAGE_RECITATION");
        candidate.put(
            "finishMessage",
            "Unable to show the generated image due to interests of third-party content"
                + " providers. Try rephrasing the prompt. Support code: "
                + supportCode
                + ".");
      }
      case IMAGE_OTHER -> {
        candidate.putObject("content");
        candidate.put("finishReason", "IMAGE_OTHER");
        candidate.put("finishMessage", IMAGE_OTHER_MESSAGE);
      }
      case SAFETY -> {
        candidate.put("finishReason", "SAFETY");
        ArrayNode ratings = candidate.putArray("safetyRatings");
        String[] categories = {
          "HARM_CATEGORY_SEXUALLY_EXPLICIT",
          "HARM_CATEGORY_HATE_SPEECH",
          "HARM_CATEGORY_HARASSMENT",
          "HARM_CATEGORY_DANGEROUS_CONTENT"
        };
        int flagged = (int) Math.floorMod(verdict.draw(), (long) categories.length);
        for (int i = 0; i < categories.length; i++) {
          ObjectNode r = ratings.addObject();
          r.put("category", categories[i]);
          r.put("probability", i == flagged ? "HIGH" : "NEGLIGIBLE");
          if (i == flagged) {
            r.put("blocked", true);
          }
        }
      }
      default -> candidate.put("finishReason", fault.name()); // PROHIBITED_CONTENT, NO_IMAGE, ...
    }
    candidate.put("index", 0);
    if (fault == FaultKind.IMAGE_SAFETY) {
      GeminiUsage.writeZeroCandidates(root, ctx.request(), ctx.model());
    } else {
      GeminiUsage.write(root, ctx.request(), ctx.model(), 0, 0, thoughts);
    }
    root.put("modelVersion", ctx.model().id());
    root.put("responseId", ResponseIds.responseId());
    return HttpReply.json(200, root);
  }
}
