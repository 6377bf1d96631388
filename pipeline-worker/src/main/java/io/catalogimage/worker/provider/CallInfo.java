package io.catalogimage.worker.provider;

import io.catalogimage.common.pricing.TokenUsage;
import java.time.Duration;

/**
 * What every provider answer tells us, whatever its outcome: the ledger records all of it.
 *
 * @param httpStatus 0 when no HTTP answer arrived (timeout, connection refused)
 * @param modelVersion the model the provider says served the call, or null
 * @param usage tokens reported by the provider, or null when it reported none
 */
public record CallInfo(
    int httpStatus, Duration latency, String modelVersion, String responseId, TokenUsage usage) {

  public static CallInfo noAnswer(Duration latency) {
    return new CallInfo(0, latency, null, null, null);
  }
}
