package io.catalogimage.common.catalog;

import io.catalogimage.common.batch.GenerationSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Which models exist and which a tier may use.
 *
 * @param modelsFile the model catalog (default {@code classpath:models.yml}, shipped)
 * @param tiers tier name -> models in the order they are tried (defaults: {@code fast} = Nano
 *     Banana 2 then Pro, {@code quality} = Pro then Nano Banana 2)
 * @param tierSettings tier name -> model settings every batch of the tier sends (e.g. {@code
 *     pipeline.catalog.tier-settings.quality.thinking-level=high}); a batch's own {@code
 *     generation} settings override them field by field. Each must be taken by every model of the
 *     tier (checked at start-up). Default: none
 */
@ConfigurationProperties("pipeline.catalog")
public record CatalogProperties(
    String modelsFile,
    Map<String, List<String>> tiers,
    Map<String, GenerationSettings> tierSettings) {

  public CatalogProperties {
    modelsFile = modelsFile == null || modelsFile.isBlank() ? "classpath:models.yml" : modelsFile;
    if (tiers == null || tiers.isEmpty()) {
      tiers = new LinkedHashMap<>();
      tiers.put("fast", List.of("gemini-3.1-flash-image", "gemini-3-pro-image"));
      tiers.put("quality", List.of("gemini-3-pro-image", "gemini-3.1-flash-image"));
    }
    tiers.forEach(
        (name, chain) -> {
          if (chain == null || chain.isEmpty()) {
            throw new IllegalArgumentException(
                "pipeline.catalog.tiers." + name + " names no model");
          }
        });
    tiers = Map.copyOf(tiers);
    tierSettings = tierSettings == null ? Map.of() : Map.copyOf(tierSettings);
    for (var e : tierSettings.entrySet()) {
      if (!tiers.containsKey(e.getKey())) {
        throw new IllegalArgumentException(
            "pipeline.catalog.tier-settings."
                + e.getKey()
                + ": no such tier; tiers are "
                + tiers.keySet());
      }
      for (String problem : e.getValue().invalidValues()) {
        throw new IllegalArgumentException(
            "pipeline.catalog.tier-settings." + e.getKey() + "." + problem);
      }
    }
  }
}
