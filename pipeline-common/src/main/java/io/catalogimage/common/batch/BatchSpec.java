package io.catalogimage.common.batch;

import java.util.List;

/**
 * What every item of a batch shares, stored as JSON on the batch row: written by the api, read by
 * the worker.
 *
 * @param promptTemplate the template the product prompts were rendered from (for the record)
 * @param styleGuide brand style text added to every prompt of the batch, or null
 */
public record BatchSpec(
    List<VariantSpec> variants,
    List<String> altTextLocales,
    String promptTemplate,
    String styleGuide) {

  public BatchSpec {
    variants = List.copyOf(variants);
    altTextLocales = List.copyOf(altTextLocales);
  }

  public VariantSpec variant(String name) {
    return variants.stream()
        .filter(v -> v.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the batch has no variant " + name));
  }
}
