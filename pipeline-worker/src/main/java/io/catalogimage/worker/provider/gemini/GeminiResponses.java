package io.catalogimage.worker.provider.gemini;

import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.pricing.TokenUsage;
import io.catalogimage.worker.provider.CallInfo;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageHeader;
import io.catalogimage.worker.provider.ModelPart;
import io.catalogimage.worker.provider.ModelVersions;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.RetryHints;
import io.catalogimage.worker.provider.StreamedAnswer;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Classifies every {@code generateContent} answer (reference §1.5, §1.6, §2, §9). Blocks arrive as
 * HTTP 200; so does "no image". Only the LAST non-thought image part counts: some 3.1 Flash answers
 * carry a 1K default image first and the requested size second.
 */
final class GeminiResponses {

  /** finishReason values that mean the safety filter refused (any promptFeedback block does). */
  static final Set<String> BLOCKS =
      Set.of(
          "SAFETY",
          "PROHIBITED_CONTENT",
          "BLOCKLIST",
          "SPII",
          "RECITATION",
          "IMAGE_SAFETY",
          "IMAGE_PROHIBITED_CONTENT",
          "IMAGE_RECITATION");

  private static final Pattern RETRY_IN = Pattern.compile("(?i)retry in ([0-9.]+)s");
  private static final Pattern DURATION = Pattern.compile("^([0-9]+(?:\\.[0-9]+)?)s$");

  /** Where Gemini puts an image's base64 ({@code inlineData.data}, REST and proto spelling). */
  private static final Set<String> IMAGE_FIELDS = Set.of("inlineData.data", "inline_data.data");

  private final JsonMapper json;
  private final ModelVersions versions;
  private final ResultSpool spool;

  GeminiResponses(JsonMapper json, ModelVersions versions) {
    this(json, versions, new ResultSpool(ResultProperties.defaults()));
  }

  GeminiResponses(JsonMapper json, ModelVersions versions, ResultSpool spool) {
    this.json = json;
    this.versions = versions;
    this.spool = spool;
  }

  ProviderOutcome classify(int status, byte[] body, Duration latency, GenerationRequest req) {
    return classify(status, null, body, latency, req);
  }

  ProviderOutcome classify(
      int status, HttpHeaders headers, byte[] body, Duration latency, GenerationRequest req) {
    return classify(status, headers, new ByteArrayInputStream(body), latency, req);
  }

  /**
   * Reads and classifies an answer as it streams in; the image is decoded into the spool on the
   * way. An I/O failure while reading (connection lost, the body deadline) is thrown as a {@link
   * JacksonIOException} for the caller to classify as a transport failure.
   */
  ProviderOutcome classify(
      int status, HttpHeaders headers, InputStream body, Duration latency, GenerationRequest req) {
    StreamedAnswer.Head head = new StreamedAnswer.Head(body);
    StreamedAnswer answer;
    try {
      answer = StreamedAnswer.read(head, json, spool, IMAGE_FIELDS);
    } catch (JacksonIOException e) {
      throw e;
    } catch (JacksonException e) {
      CallInfo info = new CallInfo(status, latency, null, null, null);
      String text = "unreadable answer (HTTP " + status + "): " + head.snippet();
      return status >= 500 || status == 200
          ? new ProviderOutcome.ServerError(text, info)
          : new ProviderOutcome.Rejected(text, info);
    }
    try (answer) {
      return classify(status, headers, answer, latency, req);
    }
  }

  /** Classifies an answer already read (a batch line's response); closing it is the caller's. */
  ProviderOutcome classify(
      int status,
      HttpHeaders headers,
      StreamedAnswer answer,
      Duration latency,
      GenerationRequest req) {
    if (status == 200) {
      return success(answer, latency, req);
    }
    return error(status, headers, answer.root(), latency);
  }

  /**
   * Reads an answer whose images are Gemini's ({@code inlineData.data}) into the spool, leaving out
   * the values of {@code skipFields}: a batch job's results, inline or one line of its file.
   */
  StreamedAnswer read(InputStream in, Set<String> skipFields) {
    return StreamedAnswer.read(in, json, spool, IMAGE_FIELDS, skipFields);
  }

  /**
   * A models.get answer: 200 is the model found ({@link ProviderOutcome.Described} with its {@code
   * name}); any other answer is classified as a generation call's would be (a wrong key as {@link
   * ProviderOutcome.KeyRefused}, an unknown model as a 404).
   */
  ProviderOutcome classifyLookup(int status, HttpHeaders headers, byte[] body, Duration latency) {
    if (status != 200) {
      return classifyText(status, headers, body, latency);
    }
    String name;
    try {
      name = text(json.readTree(body), "name");
    } catch (JacksonException e) {
      name = null;
    }
    return new ProviderOutcome.Described(
        name == null ? "" : name, new CallInfo(200, latency, name, null, null));
  }

  /**
   * A vision text model's answer: its non-thought text parts, or the failure it is. A block or an
   * empty answer is NO_IMAGE's text counterpart: nothing to use, retried as text.
   */
  ProviderOutcome classifyText(int status, HttpHeaders headers, byte[] body, Duration latency) {
    JsonNode root;
    try {
      root = body.length == 0 ? json.createObjectNode() : json.readTree(body);
    } catch (JacksonException e) {
      CallInfo info = new CallInfo(status, latency, null, null, null);
      String text =
          "unreadable answer (HTTP "
              + status
              + "): "
              + new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
      return status >= 500 || status == 200
          ? new ProviderOutcome.ServerError(text, info)
          : new ProviderOutcome.Rejected(text, info);
    }
    if (status != 200) {
      return error(status, headers, root, latency);
    }
    CallInfo info =
        new CallInfo(
            200, latency, text(root, "modelVersion"), text(root, "responseId"), usage(root));
    StringBuilder text = new StringBuilder();
    for (JsonNode part : root.path("candidates").path(0).path("content").path("parts")) {
      if (!part.path("thought").asBoolean(false) && part.path("text").isString()) {
        text.append(part.path("text").asString());
      }
    }
    if (text.isEmpty()) {
      String reason = text(root.path("candidates").path(0), "finishReason");
      return new ProviderOutcome.NoImage(
          reason == null ? "NO_TEXT" : reason, "the caption model answered no text", info);
    }
    return new ProviderOutcome.Described(text.toString(), info);
  }

  private ProviderOutcome success(StreamedAnswer answer, Duration latency, GenerationRequest req) {
    JsonNode root = answer.root();
    String modelVersion = text(root, "modelVersion");
    CallInfo info = new CallInfo(200, latency, modelVersion, text(root, "responseId"), usage(root));
    JsonNode feedback = root.path("promptFeedback");
    JsonNode candidate = root.path("candidates").path(0);
    if (candidate.isMissingNode()) {
      String reason = text(feedback, "blockReason");
      if (reason != null) {
        return new ProviderOutcome.Blocked(reason, "the prompt was blocked (" + reason + ")", info);
      }
      return new ProviderOutcome.NoImage("NO_CANDIDATES", "the answer had no candidates", info);
    }
    String finish = Optional.ofNullable(text(candidate, "finishReason")).orElse("STOP");
    String finishMessage = text(candidate, "finishMessage");
    if (BLOCKS.contains(finish)) {
      return new ProviderOutcome.Blocked(
          finish, finishMessage == null ? "blocked: " + finish : finishMessage, info);
    }
    if ("MAX_TOKENS".equals(finish)) {
      return new ProviderOutcome.Rejected(
          "MAX_TOKENS: the request's token limit stopped the model before the image", info);
    }
    StreamedAnswer.Image image = null;
    String mimeType = null;
    StringBuilder text = new StringBuilder();
    List<ModelPart> modelTurn = new ArrayList<>();
    for (JsonNode part : candidate.path("content").path("parts")) {
      if (part.path("thought").asBoolean(false)) {
        continue; // thought parts never carry signatures and are not replayed (reference §4)
      }
      String signature =
          Optional.ofNullable(text(part, "thoughtSignature"))
              .orElse(text(part, "thought_signature"));
      JsonNode inline = part.has("inlineData") ? part.get("inlineData") : part.path("inline_data");
      String mime = Optional.ofNullable(text(inline, "mimeType")).orElse(text(inline, "mime_type"));
      if (mime != null && mime.startsWith("image/") && inline.has("data")) {
        // only the LAST final image counts; an earlier one is kept in the conversation only
        // (its bytes inline in the kept turn: an edit sends every image part back) and released
        if (image != null) {
          keepInTurn(modelTurn, image);
        }
        image = answer.take(inline.get("data").asString());
        mimeType = mime;
        // the last image is kept by its object key once stored: no copy of its bytes here
        modelTurn.add(ModelPart.finalImage(mime, signature));
      } else if (part.has("text")) {
        if (!text.isEmpty()) {
          text.append('\n');
        }
        text.append(part.get("text").asString());
        modelTurn.add(ModelPart.text(part.get("text").asString(), signature));
      }
    }
    if (image == null) {
      String why =
          "STOP".equals(finish)
              ? "the model answered with text only" + (text.isEmpty() ? "" : ": " + text)
              : (finishMessage == null ? finish : finishMessage);
      return new ProviderOutcome.NoImage(finish, why, info);
    }
    if (image.held() == null) {
      return new ProviderOutcome.NoImage(
          "UNREADABLE_IMAGE",
          "the image part is not a readable " + mimeType + ": " + image.refused(),
          info);
    }
    Optional<Dimensions> actual = ImageHeader.dimensions(image.held());
    if (actual.isEmpty()) {
      image.held().release();
      return new ProviderOutcome.NoImage(
          "UNREADABLE_IMAGE", "the image part is not a readable " + mimeType, info);
    }
    String downgrade = downgrade(req, actual.get(), modelVersion);
    return new ProviderOutcome.Generated(
        image.held(),
        mimeType,
        actual.get(),
        text.isEmpty() ? null : text.toString(),
        info,
        downgrade,
        modelTurn);
  }

  /**
   * An earlier image part, superseded by a later one: its bytes go into the kept turn (in place of
   * the marker) and its place in the spool is given back.
   */
  private static void keepInTurn(List<ModelPart> modelTurn, StreamedAnswer.Image earlier) {
    for (int i = modelTurn.size() - 1; i >= 0; i--) {
      ModelPart p = modelTurn.get(i);
      if (p.isFinalImage()) {
        byte[] bytes = earlier.held() == null ? new byte[0] : earlier.held().bytes();
        modelTurn.set(i, new ModelPart(null, p.mimeType(), bytes, p.thoughtSignature()));
        break;
      }
    }
    if (earlier.held() != null) {
      earlier.held().release();
    }
  }

  private String downgrade(GenerationRequest req, Dimensions actual, String modelVersion) {
    if (!versions.matches(req.model(), modelVersion)) {
      return "asked " + req.model() + ", served " + modelVersion;
    }
    if (req.expected() != null && !req.expected().equals(actual)) {
      return "asked " + req.expected() + " (" + req.size() + "), got " + actual;
    }
    return null;
  }

  private ProviderOutcome error(int status, HttpHeaders headers, JsonNode root, Duration latency) {
    JsonNode error = root.path("error");
    String message = Optional.ofNullable(text(error, "message")).orElse("HTTP " + status);
    String rpcStatus = text(error, "status");
    CallInfo info = new CallInfo(status, latency, null, null, null);
    String described = (rpcStatus == null ? "HTTP " + status : rpcStatus) + ": " + message;
    if (status == 429) {
      if (dailyOrZero(error, message)) {
        return new ProviderOutcome.QuotaExhausted(message.contains("limit: 0"), described, info);
      }
      return new ProviderOutcome.RateLimited(retryDelay(error, message, headers), described, info);
    }
    if (status == 408 || status >= 500) {
      return new ProviderOutcome.ServerError(described, info);
    }
    if (status == 402) {
      return new ProviderOutcome.QuotaExhausted(false, described, info);
    }
    if (status == 401 || status == 403 || keyInvalid(error, message)) {
      return new ProviderOutcome.KeyRefused(described, info);
    }
    return new ProviderOutcome.Rejected(described, info);
  }

  /** Google answers a wrong key with 400 INVALID_ARGUMENT and ErrorInfo reason API_KEY_INVALID. */
  private static boolean keyInvalid(JsonNode error, String message) {
    if (message.startsWith("API key not valid")) {
      return true;
    }
    for (JsonNode detail : error.path("details")) {
      if ("API_KEY_INVALID".equals(text(detail, "reason"))) {
        return true;
      }
    }
    return false;
  }

  /** A per-day quota or "limit: 0": waiting a minute will not help. */
  private static boolean dailyOrZero(JsonNode error, String message) {
    if (message.contains("limit: 0") || message.toLowerCase().contains("per_day")) {
      return true;
    }
    for (JsonNode detail : error.path("details")) {
      for (JsonNode violation : detail.path("violations")) {
        String quotaId = String.valueOf(text(violation, "quotaId"));
        if (quotaId.contains("PerDay") || "0".equals(violation.path("quotaValue").asString(""))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * RetryInfo.retryDelay ("11.769242877s"), else the {@code Retry-After} header, else "Please retry
   * in Xs." in the message; null when the provider gave no hint at all.
   */
  static Duration retryDelay(JsonNode error, String message, HttpHeaders headers) {
    for (JsonNode detail : error.path("details")) {
      String type = String.valueOf(text(detail, "@type"));
      if (type.endsWith("RetryInfo")) {
        Matcher m = DURATION.matcher(detail.path("retryDelay").asString(""));
        if (m.matches()) {
          return seconds(m.group(1));
        }
      }
    }
    Duration header = RetryHints.fromHeaders(headers);
    if (header != null) {
      return header;
    }
    Matcher m = RETRY_IN.matcher(message);
    return m.find() ? seconds(m.group(1)) : null;
  }

  private static Duration seconds(String decimal) {
    return Duration.ofNanos((long) (Double.parseDouble(decimal) * 1_000_000_000L));
  }

  private static TokenUsage usage(JsonNode root) {
    JsonNode u = root.path("usageMetadata");
    if (u.isMissingNode() || u.isNull()) {
      return null;
    }
    int prompt = u.path("promptTokenCount").asInt(0);
    int candidates = u.path("candidatesTokenCount").asInt(0);
    int thoughts = u.path("thoughtsTokenCount").asInt(0);
    int promptImage = modality(u.path("promptTokensDetails"), "IMAGE");
    int outputImage = modality(u.path("candidatesTokensDetails"), "IMAGE");
    return new TokenUsage(
        Math.max(0, prompt - promptImage),
        promptImage,
        Math.max(0, candidates - outputImage),
        outputImage,
        thoughts);
  }

  private static int modality(JsonNode details, String modality) {
    int total = 0;
    for (JsonNode d : details) {
      if (modality.equals(d.path("modality").asString(""))) {
        total += d.path("tokenCount").asInt(0);
      }
    }
    return total;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isMissingNode() || v.isNull() ? null : v.asString();
  }
}
