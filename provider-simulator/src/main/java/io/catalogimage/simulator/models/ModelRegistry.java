package io.catalogimage.simulator.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The models the simulator serves, read from its own {@code simulator-models.yml} (transcribed from
 * the reference tables, independent of the pipeline's catalog so it can act as an oracle).
 */
public final class ModelRegistry {
  private static final String RESOURCE = "/simulator-models.yml";
  private static volatile ModelRegistry builtIn;

  private final Map<String, GeminiModel> gemini;
  private final Map<String, GeminiModel> geminiAliases;
  private final Map<String, OpenAiModel> openai;

  private ModelRegistry(Map<String, GeminiModel> gemini, Map<String, OpenAiModel> openai) {
    this.gemini = gemini;
    this.openai = openai;
    Map<String, GeminiModel> aliases = new LinkedHashMap<>();
    gemini.values().forEach(m -> m.aliases().forEach(a -> aliases.put(a, m)));
    this.geminiAliases = aliases;
  }

  /** The registry shipped in the jar (parsed once). */
  public static ModelRegistry builtIn() {
    ModelRegistry r = builtIn;
    if (r == null) {
      synchronized (ModelRegistry.class) {
        if (builtIn == null) {
          builtIn = load();
        }
        r = builtIn;
      }
    }
    return r;
  }

  public Optional<GeminiModel> gemini(String id) {
    return Optional.ofNullable(gemini.get(id));
  }

  /** The GA model a retired {@code -preview} id stands for. */
  public Optional<GeminiModel> geminiAlias(String alias) {
    return Optional.ofNullable(geminiAliases.get(alias));
  }

  public Optional<OpenAiModel> openai(String id) {
    return Optional.ofNullable(openai.get(id));
  }

  public Collection<GeminiModel> geminiModels() {
    return gemini.values();
  }

  public Collection<OpenAiModel> openAiModels() {
    return openai.values();
  }

  private static ModelRegistry load() {
    try (InputStream in = ModelRegistry.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " missing from the classpath");
      }
      JsonNode root = YAMLMapper.builder().build().readTree(in);
      Map<String, GeminiModel> gemini = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : root.path("gemini").properties()) {
        gemini.put(e.getKey(), geminiModel(e.getKey(), e.getValue()));
      }
      Map<String, OpenAiModel> openai = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : root.path("openai").properties()) {
        openai.put(e.getKey(), openAiModel(e.getKey(), e.getValue()));
      }
      return new ModelRegistry(gemini, openai);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static GeminiModel geminiModel(String id, JsonNode node) {
    List<String> aliases = new ArrayList<>();
    node.path("aliases").values().forEach(a -> aliases.add(a.asString()));
    Map<String, GeminiModel.ImageSize> sizes = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> s : node.path("sizes").properties()) {
      Map<String, Dimensions> dims = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> d : s.getValue().path("dims").properties()) {
        dims.put(d.getKey(), Dimensions.parse(d.getValue().asString()));
      }
      sizes.put(s.getKey(), new GeminiModel.ImageSize(s.getValue().path("tokens").asInt(), dims));
    }
    return new GeminiModel(
        id,
        aliases,
        node.path("thinking").asBoolean(false),
        node.path("inputImageTokens").asInt(),
        sizes);
  }

  private static OpenAiModel openAiModel(String id, JsonNode node) {
    Map<String, Dimensions> sizes = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> s : node.path("sizes").properties()) {
      sizes.put(s.getKey(), Dimensions.parse(s.getValue().asString()));
    }
    Map<String, Map<String, Integer>> tokens = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> q : node.path("outputTokens").properties()) {
      Map<String, Integer> bySize = new LinkedHashMap<>();
      q.getValue().properties().forEach(e -> bySize.put(e.getKey(), e.getValue().asInt()));
      tokens.put(q.getKey(), bySize);
    }
    return new OpenAiModel(id, sizes, tokens, node.path("inputImageTokens").asInt());
  }
}
