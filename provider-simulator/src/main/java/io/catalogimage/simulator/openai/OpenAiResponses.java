package io.catalogimage.simulator.openai;

import io.catalogimage.simulator.engine.Verdict;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.fault.Hashing;
import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import io.catalogimage.simulator.models.Dimensions;
import io.catalogimage.simulator.models.OpenAiModel;
import io.catalogimage.simulator.png.ImageFactory;
import io.catalogimage.simulator.quota.QuotaViolation;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Renders a verdict as an OpenAI images response or error (reference §5.3, §5.4). */
final class OpenAiResponses {
  private static final String[] MODERATION_CATEGORIES = {
    "sexual", "violence", "self-harm", "hate", "harassment"
  };

  private final ImageFactory images;

  OpenAiResponses(ImageFactory images) {
    this.images = images;
  }

  /** Everything a response depends on besides the verdict. */
  record Context(
      OpenAiModel model,
      OpenAiRequest request,
      String project,
      String requestId,
      long createdEpochSecond) {}

  HttpReply render(Context ctx, Verdict verdict) {
    FaultKind fault = verdict.fault();
    if (fault == null) {
      return success(ctx, false);
    }
    return switch (fault) {
      case SIZE_IGNORED -> success(ctx, true);
      case HTTP_500 ->
          error(
              500,
              "The server had an error while processing your request. Sorry about that!",
              "server_error",
              null);
      case HTTP_503 ->
          error(503, "The server is overloaded or not ready yet.", "server_error", null);
      case HTTP_504 ->
          error(
              504, "Gateway timeout. The request took too long to complete.", "server_error", null);
      case INSUFFICIENT_QUOTA ->
          error(
              429,
              "You exceeded your current quota, please check your plan and billing details. For"
                  + " more information on this error, read the docs:"
                  + " https://platform.openai.com/docs/guides/error-codes/api-errors.",
              "insufficient_quota",
              "insufficient_quota");
      case RATE_LIMITED, DAILY_QUOTA, LIMIT_ZERO, RATE_LIMITED_NO_HINT ->
          rateLimited(ctx, verdict.violation());
      case HANG, CONNECTION_RESET ->
          throw new IllegalStateException(fault + " is never answered (TransportFaults)");
      case IMAGE_SAFETY, IMAGE_PROHIBITED_CONTENT -> moderation(ctx, verdict, "output");
      default -> moderation(ctx, verdict, "input"); // PROMPT_BLOCKED, SAFETY, BLOCKLIST, ...
    };
  }

  private HttpReply success(Context ctx, boolean sizeIgnored) {
    OpenAiRequest req = ctx.request();
    OpenAiModel model = ctx.model();
    Dimensions served = model.sizes().get(sizeIgnored ? "1024x1024" : req.size());
    long palette = Hashing.of(req.prompt());
    ObjectNode root = Json.object();
    root.put("created", ctx.createdEpochSecond());
    ArrayNode data = root.putArray("data");
    Map<String, byte[]> blobs = new HashMap<>();
    for (int i = 0; i < req.n(); i++) {
      byte[] b64 =
          req.outputFormat().equals("jpeg")
              ? images.jpegBase64(served)
              : images.pngBase64(served, palette + i);
      // spliced in by jsonWithBlobs: a real-size image never goes through the JSON tree
      String placeholder = "@@sim-image-" + i + "@@";
      blobs.put(placeholder, b64);
      data.addObject().put("b64_json", placeholder);
    }
    root.put("background", req.background());
    root.put("output_format", req.outputFormat());
    root.put("quality", req.quality());
    root.put("size", req.size()); // a silent downgrade reports what was asked for
    int textTokens = OpenAiRequest.tokens(req.prompt());
    int imageInput = req.inputImages() * model.inputImageTokens();
    int output = model.outputTokens(req.quality(), req.size()) * req.n();
    ObjectNode usage = root.putObject("usage");
    usage.put("input_tokens", textTokens + imageInput);
    ObjectNode inDetails = usage.putObject("input_tokens_details");
    inDetails.put("image_tokens", imageInput);
    inDetails.put("text_tokens", textTokens);
    usage.put("output_tokens", output);
    ObjectNode outDetails = usage.putObject("output_tokens_details");
    outDetails.put("image_tokens", output);
    outDetails.put("text_tokens", 0);
    usage.put("total_tokens", textTokens + imageInput + output);
    return HttpReply.jsonWithBlobs(200, root, blobs);
  }

  private HttpReply moderation(Context ctx, Verdict verdict, String stage) {
    String category =
        MODERATION_CATEGORIES[
            (int) Math.floorMod(verdict.draw(), (long) MODERATION_CATEGORIES.length)];
    ObjectNode root =
        OpenAiError.body(
            "Your request was rejected by the safety system. If you believe this is an error,"
                + " contact us at help.openai.com and include the request ID "
                + ctx.requestId()
                + ". safety_violations=["
                + category
                + "].",
            "image_generation_user_error",
            null,
            "moderation_blocked");
    ObjectNode details = ((ObjectNode) root.get("error")).putObject("moderation_details");
    details.put("moderation_stage", stage);
    details.putArray("categories").add(category);
    return HttpReply.json(400, root);
  }

  private HttpReply rateLimited(Context ctx, QuotaViolation v) {
    return rateLimited(ctx.model().id(), ctx.project(), ctx.request().n(), v);
  }

  /** A 429 as OpenAI words it, for {@code model} of {@code project}. */
  static HttpReply rateLimited(String modelId, String project, long images, QuotaViolation v) {
    String dimension =
        switch (v.dimension()) {
          case REQUESTS_PER_DAY -> "requests per day (RPD)";
          case IMAGES_PER_MINUTE -> "images per min (IPM)";
          default -> "requests per min (RPM)";
        };
    long requested = v.dimension().name().startsWith("IMAGES") ? images : 1;
    StringBuilder message =
        new StringBuilder("Rate limit reached for ")
            .append(modelId)
            .append(" in organization org-")
            .append(project)
            .append(" on ")
            .append(dimension)
            .append(": Limit ")
            .append(v.limit())
            .append(", Used ")
            .append(v.used())
            .append(", Requested ")
            .append(requested)
            .append('.');
    Map<String, String> headers = new LinkedHashMap<>();
    if (!v.limitZero() && v.retryAfter() != null) {
      Duration d = v.retryAfter();
      message.append(" Please try again in ").append(goDuration(d)).append('.');
      long ms = ceilDiv(d.toNanos(), 1_000_000L);
      headers.put("retry-after", Long.toString(ceilDiv(ms, 1000L)));
      headers.put("retry-after-ms", Long.toString(ms));
    }
    message.append(" Visit https://platform.openai.com/account/rate-limits to learn more.");
    return HttpReply.json(
            429, OpenAiError.body(message.toString(), "requests", null, "rate_limit_exceeded"))
        .withHeaders(headers);
  }

  static HttpReply error(int status, String message, String type, String code) {
    return HttpReply.json(status, OpenAiError.body(message, type, null, code));
  }

  /** Go-style durations as OpenAI prints them: "850ms", "12.345s", "7h12m3s". */
  static String goDuration(Duration d) {
    long ms = ceilDiv(d.toNanos(), 1_000_000L);
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      String s = String.format("%d.%03d", ms / 1000, ms % 1000).replaceAll("0+$", "");
      return (s.endsWith(".") ? s.substring(0, s.length() - 1) : s) + "s";
    }
    long seconds = ceilDiv(ms, 1000L);
    long h = seconds / 3600;
    long m = (seconds % 3600) / 60;
    long s = seconds % 60;
    return (h > 0 ? h + "h" : "") + (h > 0 || m > 0 ? m + "m" : "") + s + "s";
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }
}
