package io.catalogimage.common.pricing;

import io.catalogimage.common.model.TokenPrices;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * How one endpoint charges for one model: by tokens (the providers) or flat per image (gateways).
 */
public sealed interface Price {

  /** Cost of a delivered image given the usage the provider reported. */
  BigDecimal cost(TokenUsage usage);

  /** Both providers' Batch APIs charge half the standard price for the same tokens. */
  BigDecimal BATCH_FACTOR = new BigDecimal("0.5");

  /** This price as a provider batch job charges it (the same usage at {@link #BATCH_FACTOR}). */
  default Price atBatchRate() {
    return new Discounted(this, BATCH_FACTOR);
  }

  /** Another price times a factor (the batch rate). */
  record Discounted(Price base, BigDecimal factor) implements Price {
    public Discounted {
      Objects.requireNonNull(base, "base");
      if (factor == null || factor.signum() < 0) {
        throw new IllegalArgumentException("a discount factor must be zero or more");
      }
    }

    @Override
    public BigDecimal cost(TokenUsage usage) {
      return base.cost(usage).multiply(factor).setScale(6, RoundingMode.HALF_UP);
    }
  }

  /** Priced by tokens, USD per million. */
  record PerToken(TokenPrices rates) implements Price {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    public PerToken {
      Objects.requireNonNull(rates, "rates");
    }

    @Override
    public BigDecimal cost(TokenUsage u) {
      BigDecimal micro =
          rates
              .inputText()
              .multiply(BigDecimal.valueOf(u.inputTextTokens()))
              .add(rates.inputImage().multiply(BigDecimal.valueOf(u.inputImageTokens())))
              .add(
                  rates
                      .outputText()
                      .multiply(
                          BigDecimal.valueOf((long) u.outputTextTokens() + u.thinkingTokens())))
              .add(rates.outputImage().multiply(BigDecimal.valueOf(u.outputImageTokens())));
      return micro.divide(MILLION, 6, RoundingMode.HALF_UP);
    }
  }

  /** A flat amount per request that returns an image, whatever the tokens (gateway pricing). */
  record PerImage(BigDecimal usd) implements Price {
    public PerImage {
      if (usd == null || usd.signum() < 0) {
        throw new IllegalArgumentException("a flat price must be zero or more");
      }
    }

    @Override
    public BigDecimal cost(TokenUsage usage) {
      return usd.setScale(6, RoundingMode.HALF_UP);
    }
  }
}
