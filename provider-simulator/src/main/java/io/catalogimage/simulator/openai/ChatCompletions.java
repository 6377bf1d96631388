package io.catalogimage.simulator.openai;

import io.catalogimage.simulator.engine.Verdict;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.gemini.Captions;
import io.catalogimage.simulator.gemini.TextFaults;
import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import io.catalogimage.simulator.stats.ReceivedImages;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/chat/completions} for the OpenAI-compatible vision models ({@code gpt-4.1-mini},
 * {@code gpt-4o-mini}): a user message whose content holds text parts and an {@code image_url} part
 * (a {@code data:} URL), answered with one text choice in the alt-text convention of {@link
 * Captions}, wrong on purpose per {@link TextFaults}. Only text models' faults apply: 5xx, 429s,
 * hangs and resets.
 */
final class ChatCompletions {

  static final Set<String> MODELS = Set.of("gpt-4.1-mini", "gpt-4o-mini");

  /** Input tokens OpenAI counts for one low-detail image. */
  private static final int IMAGE_TOKENS = 85;

  /** The request, reduced to what the simulator uses. */
  record Request(String model, String prompt, int images) {}

  private ChatCompletions() {}

  /** Parses the body; throws {@link OpenAiError} with what a caller would see. */
  static Request parse(byte[] body) {
    return parse(body, null);
  }

  /**
   * As above, recording each {@code data:} URL image's decoded bytes in {@code received} (when not
   * null): what a test checks to know the image described arrived byte for byte.
   */
  static Request parse(byte[] body, ReceivedImages received) {
    JsonNode root;
    try {
      root = Json.parse(body);
    } catch (JacksonException e) {
      throw new OpenAiError(
          400,
          "We could not parse the JSON body of your request.",
          "invalid_request_error",
          null,
          null);
    }
    String model = root == null ? null : root.path("model").asString(null);
    if (model == null || model.isBlank()) {
      throw new OpenAiError(
          400, "you must provide a model parameter", "invalid_request_error", null, null);
    }
    JsonNode messages = root.path("messages");
    if (!messages.isArray() || messages.isEmpty()) {
      throw new OpenAiError(
          400,
          "[] is too short - 'messages'",
          "invalid_request_error",
          "messages",
          "invalid_value");
    }
    List<String> texts = new ArrayList<>();
    int images = 0;
    for (JsonNode m : messages) {
      if (!"user".equals(m.path("role").asString(null))) {
        continue;
      }
      JsonNode content = m.path("content");
      if (content.isString()) {
        texts.add(content.asString());
      }
      for (JsonNode part : content) {
        if ("text".equals(part.path("type").asString(null))) {
          texts.add(part.path("text").asString(""));
        } else if ("image_url".equals(part.path("type").asString(null))
            && part.path("image_url").path("url").asString("").startsWith("data:image/")) {
          images++;
          record(part.path("image_url").path("url").asString(""), received);
        }
      }
    }
    return new Request(model, String.join("\n\n", texts), images);
  }

  /** {@code data:image/png;base64,...}: the decoded bytes, by MIME type, size and SHA-256. */
  private static void record(String url, ReceivedImages received) {
    int comma = url.indexOf(',');
    if (received == null || comma < 0 || !url.substring(0, comma).endsWith(";base64")) {
      return;
    }
    String mimeType = url.substring("data:".length(), url.indexOf(';'));
    try {
      received.received(mimeType, Base64.getDecoder().decode(url.substring(comma + 1)));
    } catch (IllegalArgumentException e) {
      // not base64: not recorded (validation of the data itself is not simulated)
    }
  }

  static HttpReply render(
      Request req, String project, Verdict verdict, TextFaults.Kind textFault, long created) {
    FaultKind fault = verdict.fault();
    if (fault != null) {
      switch (fault) {
        case HTTP_500:
          return OpenAiResponses.error(
              500,
              "The server had an error while processing your request. Sorry about that!",
              "server_error",
              null);
        case HTTP_503:
          return OpenAiResponses.error(
              503, "The server is overloaded or not ready yet.", "server_error", null);
        case HTTP_504:
          return OpenAiResponses.error(
              504, "Gateway timeout. The request took too long to complete.", "server_error", null);
        case RATE_LIMITED, DAILY_QUOTA, LIMIT_ZERO, RATE_LIMITED_NO_HINT:
          return OpenAiResponses.rateLimited(req.model(), project, 0, verdict.violation());
        default:
          break; // image-only faults: a text model answers
      }
    }
    String text = Captions.textPart(req.prompt(), textFault);
    ObjectNode root = Json.object();
    root.put("id", "chatcmpl-" + Long.toHexString(verdict.draw()));
    root.put("object", "chat.completion");
    root.put("created", created);
    root.put("model", req.model());
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    message.put("content", text);
    choice.put("finish_reason", "stop");
    int prompt = Math.max(1, (req.prompt().length() + 3) / 4) + req.images() * IMAGE_TOKENS;
    int out = Math.max(1, (text.length() + 3) / 4);
    ObjectNode usage = root.putObject("usage");
    usage.put("prompt_tokens", prompt);
    usage.put("completion_tokens", out);
    usage.put("total_tokens", prompt + out);
    return HttpReply.json(200, root);
  }
}
