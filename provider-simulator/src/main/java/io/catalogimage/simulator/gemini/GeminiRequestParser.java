package io.catalogimage.simulator.gemini;

import io.catalogimage.simulator.http.Json;
import io.catalogimage.simulator.models.GeminiModel;
import io.catalogimage.simulator.stats.ReceivedImages;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Validates a generateContent body against a model, accepting camelCase and snake_case like the
 * proto-JSON parser does. Throws {@link InvalidArgument} with the message the caller will see.
 */
final class GeminiRequestParser {
  private static final Set<String> MODALITIES = Set.of("TEXT", "IMAGE", "AUDIO", "VIDEO");
  private static final Set<String> THINKING_LEVELS = Set.of("minimal", "low", "medium", "high");

  private GeminiRequestParser() {}

  private static void record(JsonNode inline, ReceivedImages received) {
    String data = Json.string(inline, "data");
    if (received == null || data == null) {
      return;
    }
    try {
      received.received(Json.string(inline, "mimeType"), Base64.getDecoder().decode(data));
    } catch (IllegalArgumentException e) {
      // not base64: not recorded (validation of the data itself is not simulated)
    }
  }

  static GeminiRequest parse(
      byte[] body, GeminiModel model, String requestedModel, boolean lenientImageSize) {
    return parse(body, model, requestedModel, lenientImageSize, null);
  }

  /** As above, recording each inline image's decoded bytes in {@code received} (when not null). */
  static GeminiRequest parse(
      byte[] body,
      GeminiModel model,
      String requestedModel,
      boolean lenientImageSize,
      ReceivedImages received) {
    JsonNode root;
    try {
      root = Json.parse(body);
    } catch (JacksonException e) {
      throw new InvalidArgument(
          "Invalid JSON payload received. " + e.getOriginalMessage().replace('\n', ' '));
    }
    if (root == null || !root.isObject()) {
      throw new InvalidArgument("Invalid JSON payload received. Expected an object.");
    }
    JsonNode contents = Json.get(root, "contents");
    if (contents == null || (contents.isArray() && contents.isEmpty())) {
      throw new InvalidArgument("* GenerateContentRequest.contents: contents is not specified\n");
    }
    if (!contents.isArray()) {
      throw new InvalidArgument(
          "Invalid JSON payload received. 'contents' must be a list of Content objects.");
    }

    int textTokens = 0;
    int images = 0;
    List<String> lastUserText = List.of();
    StringBuilder conversation = new StringBuilder();
    int userTurns = 0;
    for (int i = 0; i < contents.size(); i++) {
      JsonNode content = contents.get(i);
      JsonNode parts = Json.get(content, "parts");
      if (parts == null || !parts.isArray() || parts.isEmpty()) {
        throw new InvalidArgument(
            "* GenerateContentRequest.contents[%d].parts: contents.parts must not be empty.\n"
                .formatted(i));
      }
      List<String> texts = new ArrayList<>();
      for (int j = 0; j < parts.size(); j++) {
        JsonNode part = parts.get(j);
        String text = Json.string(part, "text");
        if (text != null) {
          texts.add(text);
          textTokens += GeminiRequest.tokens(text);
        } else if (Json.get(part, "inlineData") != null || Json.get(part, "fileData") != null) {
          images++;
          record(Json.get(part, "inlineData"), received);
        } else if (Json.get(part, "functionCall") == null
            && Json.get(part, "functionResponse") == null) {
          throw new InvalidArgument(
              ("* GenerateContentRequest.contents[%d].parts[%d].data: required oneof field 'data'"
                      + " must have one initialized field\n")
                  .formatted(i, j));
        }
      }
      String role = Json.string(content, "role");
      if (role == null || role.equals("user")) {
        lastUserText = texts;
        userTurns++;
        conversation.append(String.join("\n\n", texts)).append('\u0000');
      }
    }
    String prompt = String.join("\n\n", lastUserText);

    JsonNode generation = Json.get(root, "generationConfig");
    boolean wantText = true;
    boolean wantImage = true;
    JsonNode modalities = Json.get(generation, "responseModalities");
    if (modalities != null && modalities.isArray() && !modalities.isEmpty()) {
      wantText = false;
      wantImage = false;
      for (int i = 0; i < modalities.size(); i++) {
        String m = modalities.get(i).asString("").toUpperCase(Locale.ROOT);
        if (!MODALITIES.contains(m)) {
          throw new InvalidArgument(
              ("Invalid value at 'generation_config.response_modalities[%d]'"
                      + " (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality),"
                      + " \"%s\"")
                  .formatted(i, modalities.get(i).asString("")));
        }
        wantText |= m.equals("TEXT");
        wantImage |= m.equals("IMAGE");
      }
    }

    JsonNode candidateCount = Json.get(generation, "candidateCount");
    if (candidateCount != null && candidateCount.asInt(1) > 1) {
      // ❓ Unverified whether Google rejects or clamps; rejecting is the louder choice.
      throw new InvalidArgument("Multiple candidates is not enabled for models/" + requestedModel);
    }

    JsonNode imageConfig = Json.get(generation, "imageConfig");
    String ratio = Json.string(imageConfig, "aspectRatio");
    if (ratio == null) {
      ratio = GeminiModel.DEFAULT_RATIO;
    } else if (!model.aspectRatios().contains(ratio)) {
      throw new InvalidArgument(
          "Unsupported aspect ratio \"%s\" for models/%s. Supported values: %s."
              .formatted(ratio, requestedModel, list(model.aspectRatios())));
    }
    String size = Json.string(imageConfig, "imageSize");
    if (size == null) {
      size = GeminiModel.DEFAULT_SIZE;
    } else if (!model.sizes().containsKey(size)) {
      if (lenientImageSize) {
        size = GeminiModel.DEFAULT_SIZE;
      } else {
        throw new InvalidArgument(
            ("Invalid image_size \"%s\" for models/%s. Supported values: %s. Use an uppercase 'K';"
                    + " 512 has no suffix.")
                .formatted(size, requestedModel, list(model.sizes().keySet())));
      }
    }

    JsonNode thinking = Json.get(generation, "thinkingConfig");
    boolean includeThoughts = false;
    if (thinking != null) {
      if (!model.thinking()) {
        throw new InvalidArgument("Thinking is not enabled for models/" + requestedModel);
      }
      JsonNode include = Json.get(thinking, "includeThoughts");
      includeThoughts = include != null && include.asBoolean(false);
      String level = Json.string(thinking, "thinkingLevel");
      if (level != null && !THINKING_LEVELS.contains(level.toLowerCase(Locale.ROOT))) {
        throw new InvalidArgument(
            ("Invalid value at 'generation_config.thinking_config.thinking_level'"
                    + " (type.googleapis.com/google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel),"
                    + " \"%s\"")
                .formatted(level));
      }
    }
    return new GeminiRequest(
        prompt,
        textTokens,
        images,
        wantText,
        wantImage,
        size,
        ratio,
        includeThoughts,
        conversation.toString(),
        userTurns);
  }

  private static String list(Set<String> values) {
    return values.stream().map(v -> '"' + v + '"').collect(Collectors.joining(", "));
  }
}
