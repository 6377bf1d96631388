package io.catalogimage.worker.provider;

import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.pricing.Price;
import io.catalogimage.common.pricing.PriceTable;
import io.catalogimage.worker.provider.gemini.GeminiClient;
import io.catalogimage.worker.provider.openai.OpenAiClient;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/** The configured endpoints, and which one serves a model; also their price table. */
public final class Providers {

  private static final Logger log = LoggerFactory.getLogger(Providers.class);

  private final List<ImageProvider> providers;
  private final PriceTable prices;

  public Providers(
      ProviderProperties props, ModelCatalog catalog, JsonMapper json, Executor callbacks) {
    List<ImageProvider> list = new ArrayList<>();
    Map<String, Map<String, Map<String, BigDecimal>>> flat = new LinkedHashMap<>();
    props.endpoints().keySet().stream()
        .filter(name -> !props.usable().containsKey(name))
        .forEach(
            name ->
                log.warn(
                    "provider endpoint '{}' has no API key (its api-key is empty): not used",
                    name));
    if (props.usable().isEmpty()) {
      throw new IllegalStateException(
          "no provider endpoint has an API key: set GEMINI_API_KEY for Google's Gemini API, or"
              + " configure pipeline.providers.endpoints.<name>.api-key (README: \"Use your own"
              + " key\")");
    }
    props
        .usable()
        .forEach(
            (name, endpoint) -> {
              list.add(create(name, endpoint, catalog, json, callbacks));
              Map<String, Map<String, BigDecimal>> byModel = new LinkedHashMap<>();
              // keys: "<model>" for every size, or "<model>@<size>" for one size
              endpoint
                  .pricePerImage()
                  .forEach(
                      (key, usd) -> {
                        int at = key.indexOf('@');
                        String model = at < 0 ? key : key.substring(0, at);
                        String size = at < 0 ? "*" : key.substring(at + 1);
                        byModel.computeIfAbsent(model, m -> new LinkedHashMap<>()).put(size, usd);
                      });
              flat.put(name, byModel);
            });
    this.providers = List.copyOf(list);
    this.prices = new PriceTable(catalog, flat);
  }

  /** For tests and embedding: a fixed list of providers priced at list prices. */
  public Providers(List<ImageProvider> providers, PriceTable prices) {
    this.providers = List.copyOf(providers);
    this.prices = prices;
  }

  private static ImageProvider create(
      String name,
      ProviderProperties.Endpoint endpoint,
      ModelCatalog catalog,
      JsonMapper json,
      Executor callbacks) {
    return endpoint.protocol().equals("gemini")
        ? new GeminiClient(name, endpoint, catalog, json, callbacks)
        : new OpenAiClient(name, endpoint, catalog, json, callbacks);
  }

  /** The first endpoint (in configuration order) that serves the model. */
  public Optional<ImageProvider> forModel(String model) {
    return providers.stream().filter(p -> p.serves(model)).findFirst();
  }

  public Price price(ImageProvider provider, String model, String size) {
    return prices.price(provider.endpoint(), model, size);
  }

  public BigDecimal estimate(
      ImageProvider provider, String model, String size, int promptTokens, int references) {
    return prices.estimate(provider.endpoint(), model, size, promptTokens, references);
  }

  public List<ImageProvider> all() {
    return providers;
  }
}
