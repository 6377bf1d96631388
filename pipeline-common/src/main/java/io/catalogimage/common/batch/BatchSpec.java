package io.catalogimage.common.batch;

import java.util.List;

/**
 * What every item of a batch shares, stored as JSON on the batch row: written by the api, read by
 * the worker.
 *
 * @param promptTemplate the template the product prompts were rendered from (for the record)
 * @param styleGuide brand style text added to every prompt of the batch, or null
 * @param generation model settings passed through to every call (null: none)
 */
public record BatchSpec(
    List<VariantSpec> variants,
    List<String> altTextLocales,
    String promptTemplate,
    String styleGuide,
    GenerationSettings generation) {

  public BatchSpec(
      List<VariantSpec> variants,
      List<String> altTextLocales,
      String promptTemplate,
      String styleGuide) {
    this(variants, altTextLocales, promptTemplate, styleGuide, null);
  }

  public BatchSpec {
    variants = List.copyOf(variants);
    altTextLocales = List.copyOf(altTextLocales);
  }

  /** The settings to send, never null. */
  public GenerationSettings settings() {
    return generation == null ? GenerationSettings.NONE : generation;
  }

  public VariantSpec variant(String name) {
    return variants.stream()
        .filter(v -> v.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the batch has no variant " + name));
  }
}
