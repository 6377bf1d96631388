package io.catalogimage.simulator.gemini;

import io.catalogimage.simulator.engine.Verdict;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import java.time.Duration;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/**
 * The vision text models ({@code gemini-2.5-flash}, {@code gemini-2.5-flash-lite}): a {@code
 * generateContent} with the final image inline and an instruction, answered with text only, the way
 * the pipeline's captioning step asks (the same "alt text in each of these locales" convention as
 * the image models' text part, see {@link Captions}). They answer faster than image models, and
 * only the faults a text model has: HTTP errors, 429s, hangs and resets, and wrong text ({@link
 * TextFaults}); image blocks and downgrades do not apply.
 */
final class VisionAnswers {

  static final Set<String> MODELS = Set.of("gemini-2.5-flash", "gemini-2.5-flash-lite");

  /** Input tokens Gemini counts for one image up to 384 px a side (258), as for image models. */
  private static final int IMAGE_TOKENS = 258;

  private VisionAnswers() {}

  static boolean serves(String model) {
    return MODELS.contains(model);
  }

  /** A text model answers in about a fifth of an image model's time. */
  static Duration latency(Verdict verdict) {
    return verdict.latency().dividedBy(5);
  }

  static HttpReply render(
      String model,
      GeminiRequest req,
      Verdict verdict,
      TextFaults.Kind textFault,
      boolean retryAfterHeader) {
    FaultKind fault = verdict.fault();
    if (fault != null) {
      switch (fault) {
        case HTTP_500:
          return GeminiErrors.internal();
        case HTTP_503:
          return GeminiErrors.overloaded();
        case HTTP_504:
          return GeminiErrors.deadlineExceeded();
        case RATE_LIMITED, DAILY_QUOTA, LIMIT_ZERO, RATE_LIMITED_NO_HINT:
          return GeminiErrors.quota(verdict.violation(), model, retryAfterHeader);
        default:
          break; // image-only faults: a text model answers
      }
    }
    String text = Captions.textPart(req.prompt(), textFault);
    ObjectNode root = Json.object();
    ObjectNode candidate = root.putArray("candidates").addObject();
    ObjectNode content = candidate.putObject("content");
    content.put("role", "model");
    content.putArray("parts").addObject().put("text", text);
    candidate.put("finishReason", "STOP");
    candidate.put("index", 0);
    int prompt = req.promptTextTokens() + req.inputImages() * IMAGE_TOKENS;
    int out = GeminiRequest.tokens(text);
    ObjectNode usage = root.putObject("usageMetadata");
    usage.put("promptTokenCount", prompt);
    usage.put("candidatesTokenCount", out);
    usage.put("totalTokenCount", prompt + out);
    root.put("modelVersion", model);
    root.put("responseId", ResponseIds.responseId());
    return HttpReply.json(200, root);
  }
}
