package io.catalogimage.simulator.models;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One Gemini image model as the simulator serves it.
 *
 * @param id the GA id, also what {@code modelVersion} reports
 * @param aliases retired {@code -preview} ids (served according to the alias mode)
 * @param thinking whether the model thinks (thought parts, thoughtsTokenCount, thoughtSignature)
 * @param inputImageTokens prompt tokens per input image
 * @param sizes {@code imageSize} value -> its token cost and ratio -> pixel table
 */
public record GeminiModel(
    String id,
    List<String> aliases,
    boolean thinking,
    int inputImageTokens,
    Map<String, ImageSize> sizes) {

  public static final String DEFAULT_SIZE = "1K";
  public static final String DEFAULT_RATIO = "1:1";

  /** Output tokens per image and the pixel table of one {@code imageSize}. */
  public record ImageSize(int tokens, Map<String, Dimensions> dimensions) {
    public ImageSize {
      dimensions = Map.copyOf(dimensions);
    }
  }

  public GeminiModel {
    aliases = List.copyOf(aliases);
    sizes = Collections.unmodifiableMap(new LinkedHashMap<>(sizes));
    if (!sizes.containsKey(DEFAULT_SIZE)) {
      throw new IllegalArgumentException(id + " has no 1K size");
    }
  }

  /** The aspect ratios accepted (the same for every size of a model). */
  public Set<String> aspectRatios() {
    return sizes.get(DEFAULT_SIZE).dimensions().keySet();
  }

  public Optional<Dimensions> dimensions(String imageSize, String aspectRatio) {
    ImageSize size = sizes.get(imageSize);
    return size == null
        ? Optional.empty()
        : Optional.ofNullable(size.dimensions().get(aspectRatio));
  }

  public int imageTokens(String imageSize) {
    return sizes.get(imageSize).tokens();
  }
}
