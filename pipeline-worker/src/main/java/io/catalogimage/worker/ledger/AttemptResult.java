package io.catalogimage.worker.ledger;

import java.math.BigDecimal;

/**
 * How one provider call ended, as the ledger records it.
 *
 * @param outcome e.g. SUCCEEDED, DOWNGRADED, BLOCKED, RATE_LIMITED (see ProviderOutcome#kind)
 * @param decision what the pipeline did about it, in words (e.g. "retry at ... on
 *     gemini-3-pro-image")
 * @param costUsd what the call cost; for an unknown outcome, its estimate
 * @param possiblyBilled the outcome is unknown (timeout, connection lost): {@code costUsd} is the
 *     estimate of a charge that may or may not have happened
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
    String responseId,
    boolean possiblyBilled) {}
