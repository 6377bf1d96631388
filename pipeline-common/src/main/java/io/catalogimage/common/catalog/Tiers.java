package io.catalogimage.common.catalog;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** Tiers resolved against the model catalog: each tier's chain of models, in the order tried. */
public final class Tiers {

  private final Map<String, List<ImageModel>> chains;

  public Tiers(CatalogProperties props, ModelCatalog catalog) {
    Map<String, List<ImageModel>> resolved = new TreeMap<>();
    props
        .tiers()
        .forEach(
            (tier, ids) -> {
              List<ImageModel> chain =
                  ids.stream()
                      .map(
                          id ->
                              catalog
                                  .find(id)
                                  .orElseThrow(
                                      () ->
                                          new IllegalArgumentException(
                                              "pipeline.catalog.tiers."
                                                  + tier
                                                  + " names unknown model '"
                                                  + id
                                                  + "'")))
                      .toList();
              resolved.put(tier, chain);
            });
    this.chains = Map.copyOf(resolved);
  }

  public Optional<List<ImageModel>> chain(String tier) {
    return Optional.ofNullable(chains.get(tier));
  }

  public Set<String> names() {
    return new java.util.TreeSet<>(chains.keySet());
  }

  /** The models of the tier that can produce this size and ratio, in chain order. */
  public List<ImageModel> capable(String tier, String size, String aspectRatio) {
    return chain(tier).orElse(List.of()).stream()
        .filter(m -> m.supports(size, aspectRatio))
        .toList();
  }
}
