package io.catalogimage.worker.provider;

import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.pricing.Price;
import io.catalogimage.common.pricing.PriceTable;
import io.catalogimage.worker.provider.gemini.GeminiClient;
import io.catalogimage.worker.provider.openai.OpenAiClient;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/** The configured endpoints, and which one serves a model; also their price table. */
public final class Providers {

  private static final Logger log = LoggerFactory.getLogger(Providers.class);

  private final List<ImageProvider> providers;
  private final PriceTable prices;

  /**
   * Endpoints whose key the provider refused -> what it said; never called again by this worker.
   */
  private final Map<String, String> refused = new ConcurrentHashMap<>();

  /** "endpoint model" -> what the endpoint said when the worker looked the model up (a 404). */
  private final Map<String, String> unknownModels = new ConcurrentHashMap<>();

  public Providers(
      ProviderProperties props, ModelCatalog catalog, JsonMapper json, Executor callbacks) {
    this(
        props,
        catalog,
        json,
        callbacks,
        AnswerReading.SHARED_READERS,
        new ResultSpool(ResultProperties.defaults()));
  }

  /**
   * @param readers threads that read answers as they stream in
   * @param spool where the clients decode images to
   */
  public Providers(
      ProviderProperties props,
      ModelCatalog catalog,
      JsonMapper json,
      Executor callbacks,
      Executor readers,
      ResultSpool spool) {
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
              list.add(create(name, endpoint, catalog, json, callbacks, readers, spool));
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

  /**
   * The batch client of every usable endpoint, in configuration order (this registry is the one
   * place that names the vendor clients).
   */
  public static List<io.catalogimage.worker.provider.batch.BatchProvider> batchClients(
      ProviderProperties props,
      ModelCatalog catalog,
      JsonMapper json,
      long geminiInlineLimit,
      ResultSpool spool) {
    List<io.catalogimage.worker.provider.batch.BatchProvider> list = new ArrayList<>();
    props
        .usable()
        .forEach(
            (name, endpoint) ->
                list.add(
                    endpoint.protocol().equals("gemini")
                        ? new io.catalogimage.worker.provider.gemini.GeminiBatchClient(
                            name, endpoint, catalog, json, geminiInlineLimit, spool)
                        : new io.catalogimage.worker.provider.openai.OpenAiBatchClient(
                            name, endpoint, catalog, json, spool)));
    return list;
  }

  private static ImageProvider create(
      String name,
      ProviderProperties.Endpoint endpoint,
      ModelCatalog catalog,
      JsonMapper json,
      Executor callbacks,
      Executor readers,
      ResultSpool spool) {
    return endpoint.protocol().equals("gemini")
        ? new GeminiClient(name, endpoint, catalog, json, callbacks, readers, spool)
        : new OpenAiClient(name, endpoint, catalog, json, callbacks, readers, spool);
  }

  /**
   * The first endpoint (in configuration order) that serves the model and whose key was not
   * refused.
   */
  public Optional<ImageProvider> forModel(String model) {
    return providers.stream()
        .filter(p -> p.serves(model) && !refused.containsKey(p.endpoint()))
        .findFirst();
  }

  /** The first usable endpoint that serves the vision model {@code model} (for captions). */
  public Optional<ImageProvider> forCaptionModel(String model) {
    return providers.stream()
        .filter(p -> p.servesCaptions(model) && !refused.containsKey(p.endpoint()))
        .findFirst();
  }

  /**
   * Takes an endpoint out of use after the provider refused its key: every later call through it
   * would be refused too, so items go to another endpoint or model instead of burning attempts.
   * Said once, loudly, with the setting to fix; a worker restart (with the fixed key) clears it.
   */
  public void keyRefused(String endpoint, String providerMessage) {
    if (refused.putIfAbsent(endpoint, providerMessage) == null) {
      log.error(
          "provider endpoint '{}' refused its API key ({}): it is not called again; fix"
              + " pipeline.providers.endpoints.{}.api-key and restart the worker",
          endpoint,
          providerMessage,
          endpoint);
    }
  }

  /**
   * The endpoint answered 404 when the worker looked the model up at start-up: most likely a typo
   * in the model id it is sent. Said loudly; the endpoint stays in use (the look-up may be what a
   * gateway lacks), and a generation call would fail REJECTED with the same answer.
   */
  public void modelNotFound(String endpoint, String model, String providerMessage) {
    if (unknownModels.putIfAbsent(endpoint + " " + model, providerMessage) == null) {
      log.error(
          "provider endpoint '{}' does not know the model '{}' ({}): check its id in"
              + " pipeline.providers.endpoints.{}.model-ids (or .models); a gateway without the"
              + " model look-up answers the same",
          endpoint,
          model,
          providerMessage,
          endpoint);
    }
  }

  /** Endpoints whose key was refused -> what the provider said (for the start-up summary). */
  public Map<String, String> refusals() {
    return Map.copyOf(refused);
  }

  /** "endpoint model" -> the 404 the endpoint answered when the model was looked up. */
  public Map<String, String> unknownModels() {
    return Map.copyOf(unknownModels);
  }

  /** Whether the endpoint may be called (its key was not refused). */
  public boolean usable(String endpoint) {
    return !refused.containsKey(endpoint);
  }

  /** Why no endpoint can serve the model, in words for the item's history. */
  public String whyNoEndpoint(String model) {
    List<String> serving =
        providers.stream().filter(p -> p.serves(model)).map(ImageProvider::endpoint).toList();
    if (serving.isEmpty()) {
      return "no configured endpoint serves " + model;
    }
    StringBuilder why = new StringBuilder();
    for (String endpoint : serving) {
      why.append(why.isEmpty() ? "" : "; ")
          .append("endpoint '")
          .append(endpoint)
          .append("' refused its API key (")
          .append(refused.get(endpoint))
          .append("): fix pipeline.providers.endpoints.")
          .append(endpoint)
          .append(".api-key");
    }
    return why.toString();
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
