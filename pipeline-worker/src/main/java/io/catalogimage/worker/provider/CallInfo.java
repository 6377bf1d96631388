package io.catalogimage.worker.provider;

import io.catalogimage.common.pricing.TokenUsage;
import java.time.Duration;

/**
 * What every provider answer tells us, whatever its outcome: the ledger records all of it.
 *
 * @param httpStatus 0 when no HTTP answer arrived (timeout, connection refused)
 * @param modelVersion the model the provider says served the call, or null
 * @param usage tokens reported by the provider, or null when it reported none
 * @param limitPerMinute the requests per minute the provider says it allows ({@code
 *     x-ratelimit-limit-requests}, sent by OpenAI and some gateways), or null
 */
public record CallInfo(
    int httpStatus,
    Duration latency,
    String modelVersion,
    String responseId,
    TokenUsage usage,
    Integer limitPerMinute) {

  public CallInfo(
      int httpStatus, Duration latency, String modelVersion, String responseId, TokenUsage usage) {
    this(httpStatus, latency, modelVersion, responseId, usage, null);
  }

  public static CallInfo noAnswer(Duration latency) {
    return new CallInfo(0, latency, null, null, null);
  }

  /** The same, with the limit the provider stated. */
  public CallInfo withLimitPerMinute(Integer limit) {
    return new CallInfo(httpStatus, latency, modelVersion, responseId, usage, limit);
  }
}
