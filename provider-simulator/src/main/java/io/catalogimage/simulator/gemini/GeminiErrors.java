package io.catalogimage.simulator.gemini;

import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import io.catalogimage.simulator.quota.QuotaViolation;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** google.rpc.Status error bodies, as the Gemini API sends them (reference §2.1-2.3). */
final class GeminiErrors {
  static final String RATE_LIMIT_DOCS = "https://ai.google.dev/gemini-api/docs/rate-limits";
  private static final String API_KEY_INVALID = "API key not valid. Please pass a valid API key.";

  private GeminiErrors() {}

  static HttpReply status(int code, String status, String message) {
    return HttpReply.json(code, envelope(code, status, message));
  }

  static HttpReply invalidArgument(String message) {
    return status(400, "INVALID_ARGUMENT", message);
  }

  static HttpReply missingKey() {
    return status(
        403,
        "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity)."
            + " Please use API Key or other form of API consumer identity to call this API.");
  }

  static HttpReply invalidKey() {
    ObjectNode root = envelope(400, "INVALID_ARGUMENT", API_KEY_INVALID);
    ArrayNode details = ((ObjectNode) root.get("error")).putArray("details");
    ObjectNode info = details.addObject();
    info.put("@type", "type.googleapis.com/google.rpc.ErrorInfo");
    info.put("reason", "API_KEY_INVALID");
    info.put("domain", "googleapis.com");
    info.putObject("metadata").put("service", "generativelanguage.googleapis.com");
    ObjectNode localized = details.addObject();
    localized.put("@type", "type.googleapis.com/google.rpc.LocalizedMessage");
    localized.put("locale", "en-US");
    localized.put("message", API_KEY_INVALID);
    return HttpReply.json(400, root);
  }

  static HttpReply modelNotFound(String version, String model, String method) {
    return status(
        404,
        "NOT_FOUND",
        "models/"
            + model
            + " is not found for API version "
            + version
            + ", or is not supported for "
            + method
            + ". Call ListModels to see the list of available models and their supported methods.");
  }

  static HttpReply internal() {
    return status(
        500,
        "INTERNAL",
        "An internal error has occurred. Please retry or report in"
            + " https://developers.generativeai.google/guide/troubleshooting");
  }

  static HttpReply overloaded() {
    return status(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
  }

  static HttpReply deadlineExceeded() {
    return status(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.");
  }

  /**
   * 429 RESOURCE_EXHAUSTED with QuotaFailure, Help and (for per-minute quotas only) RetryInfo: a
   * per-day or limit-0 violation has no useful delay, so Google sends none.
   */
  static HttpReply quota(QuotaViolation v, String model) {
    return quota(v, model, false);
  }

  /**
   * @param retryAfterHeader also give the delay of a retryable 429 as a {@code Retry-After} header
   */
  static HttpReply quota(QuotaViolation v, String model, boolean retryAfterHeader) {
    String metric;
    String quotaId;
    switch (v.dimension()) {
      case REQUESTS_PER_DAY -> {
        metric = "generativelanguage.googleapis.com/generate_requests_per_model_per_day";
        quotaId = "GenerateRequestsPerDayPerProjectPerModel";
      }
      case IMAGES_PER_MINUTE -> {
        // ❓ The images-per-minute metric and quota id are not in any stored sample.
        metric = "generativelanguage.googleapis.com/generate_images_per_model";
        quotaId = "GenerateImagesPerMinutePerProjectPerModel";
      }
      default -> {
        metric = "generativelanguage.googleapis.com/generate_requests_per_model";
        quotaId = "GenerateRequestsPerMinutePerProjectPerModel";
      }
    }
    boolean retryable = !v.sticky() && v.retryAfter() != null;
    String delay = retryable ? ProtoDuration.format(v.retryAfter()) : null;
    StringBuilder message =
        new StringBuilder(
                "You exceeded your current quota, please check your plan and billing details. For more"
                    + " information on this error, head to: "
                    + RATE_LIMIT_DOCS
                    + ".\n* Quota exceeded for metric: ")
            .append(metric)
            .append(", limit: ")
            .append(v.limit())
            .append(", model: ")
            .append(model);
    if (retryable) {
      message.append("\nPlease retry in ").append(delay).append('.');
    }
    ObjectNode root = envelope(429, "RESOURCE_EXHAUSTED", message.toString());
    ArrayNode details = ((ObjectNode) root.get("error")).putArray("details");
    ObjectNode failure = details.addObject();
    failure.put("@type", "type.googleapis.com/google.rpc.QuotaFailure");
    ObjectNode violation = failure.putArray("violations").addObject();
    violation.put("quotaMetric", metric);
    violation.put("quotaId", quotaId);
    ObjectNode dims = violation.putObject("quotaDimensions");
    dims.put("location", "global");
    dims.put("model", model);
    violation.put("quotaValue", Long.toString(v.limit()));
    ObjectNode help = details.addObject();
    help.put("@type", "type.googleapis.com/google.rpc.Help");
    ObjectNode link = help.putArray("links").addObject();
    link.put("description", "Learn more about Gemini API quotas");
    link.put("url", RATE_LIMIT_DOCS);
    if (retryable) {
      ObjectNode retry = details.addObject();
      retry.put("@type", "type.googleapis.com/google.rpc.RetryInfo");
      retry.put("retryDelay", delay);
    }
    HttpReply reply = HttpReply.json(429, root);
    if (retryable && retryAfterHeader) {
      long ms = v.retryAfter().toMillis();
      reply = reply.withHeader("Retry-After", Long.toString((ms + 999) / 1000));
    }
    return reply;
  }

  private static ObjectNode envelope(int code, String status, String message) {
    ObjectNode root = Json.object();
    ObjectNode error = root.putObject("error");
    error.put("code", code);
    error.put("message", message);
    error.put("status", status);
    return root;
  }
}
