package io.catalogimage.common.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** All image models the pipeline may call, loaded from a YAML file ({@code models.yml}). */
public final class ModelCatalog {

  /** The catalog shipped with the pipeline (facts from the providers' documentation). */
  public static final String DEFAULT_LOCATION = "classpath:models.yml";

  private final Map<String, ImageModel> byId;
  private final List<ImageModel> order;

  public ModelCatalog(List<ImageModel> models) {
    Map<String, ImageModel> map = new LinkedHashMap<>();
    for (ImageModel m : models) {
      if (map.put(m.id(), m) != null) {
        throw new IllegalArgumentException("model " + m.id() + " is listed twice");
      }
    }
    this.byId = Map.copyOf(map);
    this.order = List.copyOf(models);
  }

  public static ModelCatalog load(InputStream yaml) {
    try (yaml) {
      File file =
          YAMLMapper.builder()
              .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
              .build()
              .readValue(yaml, File.class);
      return new ModelCatalog(file.models());
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the model catalog", e);
    }
  }

  /** The catalog shipped in {@code models.yml}. */
  public static ModelCatalog defaults() {
    InputStream in = ModelCatalog.class.getResourceAsStream("/models.yml");
    if (in == null) {
      throw new IllegalStateException("models.yml is missing from the classpath");
    }
    return load(in);
  }

  /** Finds a model by its id or one of its aliases. */
  public Optional<ImageModel> find(String idOrAlias) {
    ImageModel exact = byId.get(idOrAlias);
    if (exact != null) {
      return Optional.of(exact);
    }
    return order.stream().filter(m -> m.answersTo(idOrAlias)).findFirst();
  }

  public ImageModel require(String idOrAlias) {
    return find(idOrAlias)
        .orElseThrow(() -> new IllegalArgumentException("unknown model '" + idOrAlias + "'"));
  }

  public List<ImageModel> models() {
    return order;
  }

  /** Every aspect ratio some model supports, for error messages. */
  public Set<String> allAspectRatios() {
    Set<String> all = new TreeSet<>();
    order.forEach(m -> all.addAll(m.aspectRatios()));
    return all;
  }

  public Set<String> allSizes() {
    Set<String> all = new TreeSet<>();
    order.forEach(m -> all.addAll(m.sizes().keySet()));
    return all;
  }

  private record File(List<ImageModel> models) {
    File {
      models = models == null ? new ArrayList<>() : models;
    }
  }
}
