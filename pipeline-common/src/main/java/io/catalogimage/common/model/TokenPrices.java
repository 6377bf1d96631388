package io.catalogimage.common.model;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * USD per one million tokens, by direction and modality. Thinking tokens are billed at the text
 * output rate (Gemini bills them whether or not thoughts are returned).
 */
public record TokenPrices(
    BigDecimal inputText, BigDecimal inputImage, BigDecimal outputText, BigDecimal outputImage) {

  public TokenPrices {
    Objects.requireNonNull(inputText, "inputText");
    Objects.requireNonNull(inputImage, "inputImage");
    Objects.requireNonNull(outputText, "outputText");
    Objects.requireNonNull(outputImage, "outputImage");
  }
}
