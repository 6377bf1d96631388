package io.catalogimage.common.pricing;

/**
 * Tokens one provider call consumed, split the way prices are quoted. Text output the provider
 * counted but did not break down by modality is included in {@code outputTextTokens}.
 */
public record TokenUsage(
    int inputTextTokens,
    int inputImageTokens,
    int outputTextTokens,
    int outputImageTokens,
    int thinkingTokens) {

  public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0, 0);

  public TokenUsage {
    if (inputTextTokens < 0
        || inputImageTokens < 0
        || outputTextTokens < 0
        || outputImageTokens < 0
        || thinkingTokens < 0) {
      throw new IllegalArgumentException("token counts cannot be negative");
    }
  }

  public int inputTokens() {
    return inputTextTokens + inputImageTokens;
  }

  public int outputTokens() {
    return outputTextTokens + outputImageTokens + thinkingTokens;
  }
}
