package io.catalogimage.common.catalog;

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
 */
@ConfigurationProperties("pipeline.catalog")
public record CatalogProperties(String modelsFile, Map<String, List<String>> tiers) {

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
  }
}
