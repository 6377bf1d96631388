package io.catalogimage.simulator.models;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One OpenAI GPT image model.
 *
 * @param id model id
 * @param sizes {@code size} value -> pixels (without "auto")
 * @param outputTokens quality (low, medium, high) -> size -> output image tokens per image
 * @param inputImageTokens input tokens per reference image on edits
 */
public record OpenAiModel(
    String id,
    Map<String, Dimensions> sizes,
    Map<String, Map<String, Integer>> outputTokens,
    int inputImageTokens) {

  public OpenAiModel {
    sizes = Collections.unmodifiableMap(new LinkedHashMap<>(sizes));
    outputTokens = Map.copyOf(outputTokens);
  }

  public int outputTokens(String quality, String size) {
    return outputTokens.get(quality).get(size);
  }
}
