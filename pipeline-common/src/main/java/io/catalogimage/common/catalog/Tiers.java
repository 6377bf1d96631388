package io.catalogimage.common.catalog;

import io.catalogimage.common.batch.GenerationSettings;
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
  private final Map<String, GenerationSettings> settings;

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
    props
        .tierSettings()
        .forEach(
            (tier, s) -> {
              for (ImageModel m : chains.get(tier)) {
                List<String> unsupported = s.unsupportedBy(m);
                if (!unsupported.isEmpty()) {
                  throw new IllegalArgumentException(
                      "pipeline.catalog.tier-settings."
                          + tier
                          + ": "
                          + String.join(", ", unsupported)
                          + " not supported by "
                          + m.id()
                          + ", a model of the tier");
                }
              }
            });
    this.settings = props.tierSettings();
  }

  /** The settings every batch of the tier sends (its own override them), never null. */
  public GenerationSettings settings(String tier) {
    return settings.getOrDefault(tier, GenerationSettings.NONE);
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
