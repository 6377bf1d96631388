package io.catalogimage.simulator.openai;

import io.catalogimage.simulator.http.Json;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Validates /v1/images/generations (JSON) and /v1/images/edits (multipart with {@code image} /
 * {@code image[]} files, or JSON with {@code images: [{image_url}]}) the way the OpenAI API does
 * for GPT image models; throws {@link OpenAiError}.
 */
final class OpenAiRequestParser {
  static final String DEFAULT_GENERATION_MODEL = "gpt-image-1";
  static final String DEFAULT_EDIT_MODEL = "gpt-image-1.5";
  private static final int MAX_PROMPT = 32_000;
  private static final int MAX_EDIT_IMAGES = 16;
  private static final List<String> SIZES = List.of("1024x1024", "1024x1536", "1536x1024", "auto");
  private static final List<String> QUALITIES = List.of("low", "medium", "high", "auto");
  private static final Set<String> FORMATS = Set.of("png", "jpeg", "webp");
  private static final List<String> BACKGROUNDS = List.of("transparent", "opaque", "auto");

  /** The raw fields, whichever encoding they came in. */
  record Fields(Map<String, String> values, int images) {}

  private OpenAiRequestParser() {}

  static Fields read(boolean edit, String contentType, byte[] body) {
    return read(edit, contentType, body, null);
  }

  /** As {@link #read(boolean, String, byte[])}, recording each image file in {@code received}. */
  static Fields read(
      boolean edit,
      String contentType,
      byte[] body,
      io.catalogimage.simulator.stats.ReceivedImages received) {
    if (edit && Multipart.isMultipart(contentType)) {
      Map<String, String> values = new HashMap<>();
      int images = 0;
      for (Multipart.Part p : Multipart.parse(contentType, body)) {
        if (p.name().equals("image") || p.name().equals("image[]")) {
          images++;
          if (received != null) {
            received.received(null, p.data());
          }
        } else if (p.filename() == null) {
          values.put(p.name(), p.text());
        }
      }
      return new Fields(values, images);
    }
    JsonNode root;
    try {
      root = Json.parse(body);
    } catch (JacksonException e) {
      throw new OpenAiError(
          400,
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't"
              + " using your HTTP library correctly. The OpenAI API expects a JSON payload, but"
              + " what was sent was not valid JSON.)",
          "invalid_request_error",
          null,
          null);
    }
    if (root == null || !root.isObject()) {
      throw new OpenAiError(
          400, "The request body must be a JSON object.", "invalid_request_error", null, null);
    }
    Map<String, String> values = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      JsonNode v = e.getValue();
      if (v.isString() || v.isNumber() || v.isBoolean()) {
        values.put(e.getKey(), v.asString());
      }
    }
    int images = 0;
    JsonNode refs = root.get("images");
    if (refs != null && refs.isArray()) {
      for (JsonNode ref : refs) {
        if (ref.hasNonNull("image_url") || ref.hasNonNull("file_id")) {
          images++;
          recordDataUrl(ref.path("image_url").asString(""), received);
        } else {
          throw OpenAiError.invalidValue(
              "images", "Each entry of 'images' needs an 'image_url' or a 'file_id'.");
        }
      }
    }
    return new Fields(values, images);
  }

  /** Records the decoded bytes of a {@code data:<type>;base64,<data>} image URL. */
  private static void recordDataUrl(
      String url, io.catalogimage.simulator.stats.ReceivedImages received) {
    int comma = url.indexOf(";base64,");
    if (received == null || !url.startsWith("data:") || comma < 0) {
      return;
    }
    try {
      received.received(
          url.substring("data:".length(), comma),
          java.util.Base64.getDecoder().decode(url.substring(comma + ";base64,".length())));
    } catch (IllegalArgumentException e) {
      // not base64: not recorded (the data itself is not validated)
    }
  }

  static String model(boolean edit, Fields fields) {
    String model = fields.values().get("model");
    return model == null || model.isBlank()
        ? (edit ? DEFAULT_EDIT_MODEL : DEFAULT_GENERATION_MODEL)
        : model;
  }

  static OpenAiRequest parse(boolean edit, String model, Fields fields) {
    Map<String, String> v = fields.values();
    String prompt = v.get("prompt");
    if (prompt == null) {
      throw new OpenAiError(
          400,
          "Missing required parameter: 'prompt'.",
          "invalid_request_error",
          "prompt",
          "missing_required_parameter");
    }
    if (prompt.length() > MAX_PROMPT) {
      throw new OpenAiError(
          400,
          ("Invalid 'prompt': string too long. Expected a string with maximum length %d, but got a"
                  + " string with length %d instead.")
              .formatted(MAX_PROMPT, prompt.length()),
          "invalid_request_error",
          "prompt",
          "string_above_max_length");
    }
    if (v.containsKey("response_format")) {
      // ❓ The SDK docstring says GPT image models do not support it; the exact error is a guess.
      throw new OpenAiError(
          400,
          "Unknown parameter: 'response_format'. GPT image models always return b64_json.",
          "invalid_request_error",
          "response_format",
          "unknown_parameter");
    }
    int n = 1;
    if (v.containsKey("n")) {
      try {
        n = Integer.parseInt(v.get("n").trim());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 1 || n > 10) {
        throw OpenAiError.invalidValue(
            "n",
            "Invalid value: '%s'. 'n' must be an integer between 1 and 10.".formatted(v.get("n")));
      }
    }
    String size = oneOf(v, "size", SIZES, "auto");
    String quality = oneOf(v, "quality", QUALITIES, "auto");
    String format = v.getOrDefault("output_format", "png");
    if (!FORMATS.contains(format)) {
      throw OpenAiError.invalidValue(
          "output_format",
          "Invalid value: '%s'. Supported values are: 'png', 'jpeg', and 'webp'."
              .formatted(format));
    }
    if (format.equals("webp")) {
      throw new OpenAiError(
          400,
          "output_format 'webp' is valid for the OpenAI API, but the simulator does not encode"
              + " WebP. Use 'png' or 'jpeg'.",
          "invalid_request_error",
          "output_format",
          "unsupported_value");
    }
    String background = oneOf(v, "background", BACKGROUNDS, "auto");
    if (background.equals("transparent") && format.equals("jpeg")) {
      throw OpenAiError.invalidValue(
          "background",
          "Transparent background is not supported for output_format 'jpeg'. Use 'png' or"
              + " 'webp'.");
    }
    if (edit && fields.images() == 0) {
      throw new OpenAiError(
          400,
          "Missing required parameter: 'image'.",
          "invalid_request_error",
          "image",
          "missing_required_parameter");
    }
    if (fields.images() > MAX_EDIT_IMAGES) {
      throw OpenAiError.invalidValue(
          "image",
          "Invalid 'image': too many images. Expected at most %d, got %d."
              .formatted(MAX_EDIT_IMAGES, fields.images()));
    }
    return new OpenAiRequest(
        edit,
        model,
        prompt,
        n,
        size.equals("auto") ? "1024x1024" : size,
        quality.equals("auto") ? "high" : quality,
        format,
        background.equals("auto") ? "opaque" : background,
        fields.images());
  }

  private static String oneOf(
      Map<String, String> v, String param, List<String> allowed, String dflt) {
    String value = v.getOrDefault(param, dflt);
    if (!allowed.contains(value)) {
      StringBuilder list = new StringBuilder();
      for (int i = 0; i < allowed.size(); i++) {
        if (i > 0) {
          list.append(i == allowed.size() - 1 ? ", and " : ", ");
        }
        list.append('\'').append(allowed.get(i)).append('\'');
      }
      throw OpenAiError.invalidValue(
          param, "Invalid value: '%s'. Supported values are: %s.".formatted(value, list));
    }
    return value;
  }
}
