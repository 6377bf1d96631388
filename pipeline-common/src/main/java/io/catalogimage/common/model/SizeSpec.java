package io.catalogimage.common.model;

import java.util.Map;

/** One image size of a model (e.g. "2K"): the tokens one image costs and the pixels per ratio. */
public record SizeSpec(int outputTokens, Map<String, Dimensions> dimensions) {

  public SizeSpec {
    if (outputTokens <= 0) {
      throw new IllegalArgumentException("outputTokens must be positive");
    }
    dimensions = Map.copyOf(dimensions);
  }
}
