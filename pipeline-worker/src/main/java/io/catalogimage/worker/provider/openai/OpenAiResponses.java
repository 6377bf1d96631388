package io.catalogimage.worker.provider.openai;

import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.pricing.TokenUsage;
import io.catalogimage.worker.provider.CallInfo;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageHeader;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.RetryHints;
import io.catalogimage.worker.provider.StreamedAnswer;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Classifies OpenAI Images answers (reference §5.3-5.5, §9): {@code moderation_blocked} is a block,
 * {@code rate_limit_exceeded} waits for {@code retry-after-ms} / {@code retry-after}, {@code
 * insufficient_quota} is a quota that waiting will not refill.
 */
final class OpenAiResponses {

  private static final Set<String> IMAGE_FIELDS = Set.of("b64_json");

  private final JsonMapper json;
  private final ResultSpool spool;

  OpenAiResponses(JsonMapper json) {
    this(json, new ResultSpool(ResultProperties.defaults()));
  }

  OpenAiResponses(JsonMapper json, ResultSpool spool) {
    this.json = json;
    this.spool = spool;
  }

  ProviderOutcome classify(
      int status, HttpHeaders headers, byte[] body, Duration latency, GenerationRequest req) {
    return classify(status, headers, new ByteArrayInputStream(body), latency, req);
  }

  /**
   * Reads and classifies an answer as it streams in, the image decoded into the spool on the way;
   * an I/O failure while reading is thrown ({@link JacksonIOException}) for the caller to classify.
   */
  ProviderOutcome classify(
      int status, HttpHeaders headers, InputStream body, Duration latency, GenerationRequest req) {
    String requestId = headers.firstValue("x-request-id").orElse(null);
    Integer limit = limitPerMinute(headers);
    StreamedAnswer answer;
    try {
      answer = StreamedAnswer.read(body, json, spool, IMAGE_FIELDS);
    } catch (JacksonIOException e) {
      throw e;
    } catch (JacksonException e) {
      CallInfo info = new CallInfo(status, latency, null, requestId, null, limit);
      return status >= 500 || status == 200
          ? new ProviderOutcome.ServerError("unreadable answer (HTTP " + status + ")", info)
          : new ProviderOutcome.Rejected("unreadable answer (HTTP " + status + ")", info);
    }
    try (answer) {
      return classify(status, headers, answer, latency, requestId, limit, req);
    }
  }

  /** Classifies an answer already read (a batch line's body); closing it is the caller's. */
  ProviderOutcome classify(
      int status,
      HttpHeaders headers,
      StreamedAnswer answer,
      Duration latency,
      GenerationRequest req) {
    return classify(
        status,
        headers,
        answer,
        latency,
        headers.firstValue("x-request-id").orElse(null),
        limitPerMinute(headers),
        req);
  }

  /** Reads an answer whose images are OpenAI's ({@code b64_json}) into the spool (a batch line). */
  StreamedAnswer read(InputStream in) {
    return StreamedAnswer.read(in, json, spool, IMAGE_FIELDS);
  }

  private ProviderOutcome classify(
      int status,
      HttpHeaders headers,
      StreamedAnswer answer,
      Duration latency,
      String requestId,
      Integer limit,
      GenerationRequest req) {
    JsonNode root = answer.root();
    if (status == 200) {
      return success(answer, latency, requestId, req, limit);
    }
    JsonNode error = root.path("error");
    String code = text(error, "code");
    String type = text(error, "type");
    String message =
        (code != null ? code : type != null ? type : "HTTP " + status)
            + ": "
            + Optional.ofNullable(text(error, "message")).orElse("HTTP " + status);
    CallInfo info = new CallInfo(status, latency, null, requestId, null, limit);
    if ("moderation_blocked".equals(code) || "image_generation_user_error".equals(type)) {
      return new ProviderOutcome.Blocked(code == null ? type : code, message, info);
    }
    if ("insufficient_quota".equals(code) || "insufficient_quota".equals(type)) {
      return new ProviderOutcome.QuotaExhausted(false, message, info);
    }
    if (status == 429 && perDay(message)) {
      // requests per day (RPD), including "Limit 0": waiting minutes never helps; the reset does
      return new ProviderOutcome.QuotaExhausted(message.contains("Limit 0,"), message, info);
    }
    if (status == 429) {
      return new ProviderOutcome.RateLimited(RetryHints.fromHeaders(headers), message, info);
    }
    if (status == 408 || status >= 500) {
      return new ProviderOutcome.ServerError(message, info);
    }
    if (status == 401 || status == 403 || "invalid_api_key".equals(code)) {
      return new ProviderOutcome.KeyRefused(message, info);
    }
    return new ProviderOutcome.Rejected(message, info);
  }

  /**
   * A chat completion from a vision model (the captioning step): its first choice's text, or the
   * failure it is (classified as for images).
   */
  ProviderOutcome classifyText(int status, HttpHeaders headers, byte[] body, Duration latency) {
    if (status != 200) {
      return classify(status, headers, body, latency, null);
    }
    String requestId = headers.firstValue("x-request-id").orElse(null);
    Integer limit = limitPerMinute(headers);
    JsonNode root;
    try {
      root = body.length == 0 ? json.createObjectNode() : json.readTree(body);
    } catch (JacksonException e) {
      return new ProviderOutcome.ServerError(
          "unreadable answer (HTTP 200)", new CallInfo(200, latency, null, requestId, null, limit));
    }
    JsonNode usage = root.path("usage");
    TokenUsage tokens =
        usage.isObject()
            ? new TokenUsage(
                usage.path("prompt_tokens").asInt(0),
                0,
                usage.path("completion_tokens").asInt(0),
                0,
                0)
            : null;
    CallInfo info =
        new CallInfo(200, latency, text(root, "model"), text(root, "id"), tokens, limit);
    JsonNode choice = root.path("choices").path(0);
    String content = choice.path("message").path("content").asString(null);
    if (content == null || content.isBlank()) {
      String reason = text(choice, "finish_reason");
      return new ProviderOutcome.NoImage(
          reason == null ? "NO_TEXT" : reason, "the caption model answered no text", info);
    }
    return new ProviderOutcome.Described(content, info);
  }

  /**
   * A model lookup ({@code GET /v1/models/{id}}): 200 is the model found ({@link
   * ProviderOutcome.Described} with its id); any other answer is classified as a generation call's
   * would be (a wrong key as {@link ProviderOutcome.KeyRefused}, an unknown model as a 404).
   */
  ProviderOutcome classifyLookup(int status, HttpHeaders headers, byte[] body, Duration latency) {
    if (status != 200) {
      return classify(status, headers, body, latency, null);
    }
    String id;
    try {
      id = text(json.readTree(body), "id");
    } catch (JacksonException e) {
      id = null;
    }
    return new ProviderOutcome.Described(
        id == null ? "" : id,
        new CallInfo(200, latency, id, headers.firstValue("x-request-id").orElse(null), null));
  }

  private static boolean perDay(String message) {
    return message.contains("requests per day") || message.contains("(RPD)");
  }

  private ProviderOutcome success(
      StreamedAnswer answer,
      Duration latency,
      String requestId,
      GenerationRequest req,
      Integer limit) {
    JsonNode root = answer.root();
    JsonNode usage = root.path("usage");
    TokenUsage tokens = null;
    if (!usage.isMissingNode() && !usage.isNull()) {
      int inputImage = usage.path("input_tokens_details").path("image_tokens").asInt(0);
      int input = usage.path("input_tokens").asInt(0);
      int output = usage.path("output_tokens").asInt(0);
      JsonNode outDetails = usage.path("output_tokens_details");
      int outputText = outDetails.path("text_tokens").asInt(0);
      int outputImage =
          outDetails.has("image_tokens")
              ? outDetails.path("image_tokens").asInt(0)
              : output - outputText;
      tokens =
          new TokenUsage(Math.max(0, input - inputImage), inputImage, outputText, outputImage, 0);
    }
    String model = text(root, "model");
    CallInfo info = new CallInfo(200, latency, model, requestId, tokens, limit);
    JsonNode data = root.path("data");
    if (data.isEmpty()) {
      return new ProviderOutcome.NoImage("NO_DATA", "the answer had no image data", info);
    }
    String b64 = text(data.get(data.size() - 1), "b64_json");
    if (b64 == null) {
      return new ProviderOutcome.NoImage("NO_B64", "the answer had no b64_json image", info);
    }
    StreamedAnswer.Image received = answer.take(b64);
    if (received == null || received.held() == null) {
      return new ProviderOutcome.NoImage(
          "UNREADABLE_IMAGE",
          "the image is not readable" + (received == null ? "" : ": " + received.refused()),
          info);
    }
    ResultSpool.Held image = received.held();
    Optional<Dimensions> actual = ImageHeader.dimensions(image);
    if (actual.isEmpty()) {
      image.release();
      return new ProviderOutcome.NoImage("UNREADABLE_IMAGE", "the image is not readable", info);
    }
    String downgrade =
        req.expected() != null && !req.expected().equals(actual.get())
            ? "asked " + req.expected() + " (" + req.size() + "), got " + actual.get()
            : null;
    String mime =
        ImageHeader.isPng(image.head())
            ? "image/png"
            : "image/" + Optional.ofNullable(text(root, "output_format")).orElse("png");
    return new ProviderOutcome.Generated(image, mime, actual.get(), null, info, downgrade);
  }

  /** {@code x-ratelimit-limit-requests}: the requests per minute the provider allows, if sent. */
  static Integer limitPerMinute(HttpHeaders headers) {
    Optional<String> limit = headers.firstValue("x-ratelimit-limit-requests");
    try {
      return limit.map(String::trim).map(Integer::valueOf).filter(n -> n > 0).orElse(null);
    } catch (NumberFormatException unreadable) {
      return null;
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.path(field);
    return v == null || v.isMissingNode() || v.isNull() ? null : v.asString();
  }
}
