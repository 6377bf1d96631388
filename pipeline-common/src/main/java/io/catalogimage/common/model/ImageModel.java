package io.catalogimage.common.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * An image model as the pipeline knows it: which sizes and aspect ratios it can produce, the
 * dimensions it returns for each, and its list price.
 *
 * @param id the current model id (e.g. {@code gemini-3.1-flash-image})
 * @param name marketing name (e.g. "Nano Banana 2")
 * @param aliases other ids that mean this model (retired {@code -preview} ids still work on
 *     gateways)
 * @param family {@code gemini} or {@code openai}: decides which request shape fits it
 * @param inputImageTokens tokens billed per reference image sent with a request
 */
public record ImageModel(
    String id,
    String name,
    List<String> aliases,
    String family,
    int inputImageTokens,
    TokenPrices listPrice,
    Map<String, SizeSpec> sizes) {

  public ImageModel {
    Objects.requireNonNull(id, "model id");
    name = name == null ? id : name;
    aliases = aliases == null ? List.of() : List.copyOf(aliases);
    Objects.requireNonNull(family, "family of model " + id);
    Objects.requireNonNull(listPrice, "listPrice of model " + id);
    if (sizes == null || sizes.isEmpty()) {
      throw new IllegalArgumentException("model " + id + " has no sizes");
    }
    sizes = Map.copyOf(sizes);
  }

  public boolean answersTo(String modelId) {
    return id.equals(modelId) || aliases.contains(modelId);
  }

  public Optional<Dimensions> dimensions(String size, String aspectRatio) {
    SizeSpec spec = sizes.get(size);
    return spec == null
        ? Optional.empty()
        : Optional.ofNullable(spec.dimensions().get(aspectRatio));
  }

  public boolean supports(String size, String aspectRatio) {
    return dimensions(size, aspectRatio).isPresent();
  }

  public int outputTokens(String size) {
    SizeSpec spec = sizes.get(size);
    if (spec == null) {
      throw new IllegalArgumentException("model " + id + " has no size " + size);
    }
    return spec.outputTokens();
  }

  public Set<String> aspectRatios() {
    Set<String> ratios = new TreeSet<>();
    sizes.values().forEach(s -> ratios.addAll(s.dimensions().keySet()));
    return ratios;
  }
}
