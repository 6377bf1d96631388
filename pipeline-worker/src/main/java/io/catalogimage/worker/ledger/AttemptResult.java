package io.catalogimage.worker.ledger;

import java.math.BigDecimal;

/**
 * How one provider call ended, as the ledger records it.
 *
 * @param outcome e.g. SUCCEEDED, DOWNGRADED, BLOCKED, RATE_LIMITED (see ProviderOutcome#kind)
 * @param decision what the pipeline did about it, in words (e.g. "retry at ... on
 *     gemini-3-pro-image")
 */
public record AttemptResult(
    String outcome,
    String decision,
    String modelServed,
    int httpStatus,
    String errorMessage,
    long latencyMs,
    Integer tokensIn,
    Integer tokensOut,
    Integer tokensThinking,
    BigDecimal costUsd,
    Integer imageWidth,
    Integer imageHeight,
    String responseId) {}
