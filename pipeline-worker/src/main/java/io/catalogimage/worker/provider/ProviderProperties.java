package io.catalogimage.worker.provider;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * The provider endpoints the worker may call. Each is pure configuration: pointing the pipeline at
 * Google, OpenAI or a gateway needs no code.
 *
 * @param endpoints endpoint name -> settings, in configuration order: the first endpoint that
 *     serves a model is the one called for it (default: one endpoint {@code google} on Google's
 *     Gemini API with the key from {@code GEMINI_API_KEY}). An endpoint whose {@code api-key} is
 *     empty (its environment variable unset) is left out: one configuration file can name every
 *     provider and the pipeline uses those whose keys are set.
 * @param keyCheck the look-up of each endpoint's models when the worker starts (see {@link
 *     KeyCheck})
 */
@ConfigurationProperties("pipeline.providers")
public record ProviderProperties(Map<String, Endpoint> endpoints, KeyCheck keyCheck) {

  /** The endpoints, with the default key check. */
  public ProviderProperties(Map<String, Endpoint> endpoints) {
    this(endpoints, null);
  }

  @ConstructorBinding
  public ProviderProperties {
    keyCheck = keyCheck == null ? new KeyCheck(true, null) : keyCheck;
    if (endpoints == null || endpoints.isEmpty()) {
      endpoints = new LinkedHashMap<>();
      endpoints.put(
          "google",
          new Endpoint(
              "gemini",
              URI.create("https://generativelanguage.googleapis.com"),
              System.getenv("GEMINI_API_KEY"),
              null,
              null,
              null,
              null,
              null,
              null,
              null));
    }
    // Map.copyOf would lose the order, and with it which endpoint serves a model two can serve
    endpoints = Collections.unmodifiableMap(new LinkedHashMap<>(endpoints));
  }

  /**
   * When the worker starts, each endpoint looks up the models it serves (Gemini's models.get,
   * OpenAI's {@code GET /v1/models/{id}}: free, unbilled): a refused key takes the endpoint out of
   * use before any item is called, an unknown model id is logged. A network error or a timeout
   * leaves the endpoint in use: the first real call decides then.
   *
   * @param enabled default true
   * @param timeout each look-up's timeout; start-up waits at most twice this (default 5s)
   */
  public record KeyCheck(Boolean enabled, Duration timeout) {
    public KeyCheck {
      // a Boolean, so that setting only the timeout does not turn the check off
      enabled = enabled == null || enabled;
      timeout = timeout == null ? Duration.ofSeconds(5) : timeout;
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(
            "pipeline.providers.key-check.timeout must be positive, not " + timeout);
      }
    }
  }

  /** The endpoints that can be called: those with an API key, in configuration order. */
  public Map<String, Endpoint> usable() {
    Map<String, Endpoint> usable = new LinkedHashMap<>();
    endpoints.forEach(
        (name, endpoint) -> {
          if (endpoint.hasApiKey()) {
            usable.put(name, endpoint);
          }
        });
    return Collections.unmodifiableMap(usable);
  }

  /**
   * One endpoint.
   *
   * @param protocol {@code gemini} (generateContent) or {@code openai} (images/generations)
   * @param baseUrl e.g. {@code https://generativelanguage.googleapis.com} or a gateway's URL
   * @param apiKey the key; never logged (set it from an environment variable or secret)
   * @param models catalog ids of the models this endpoint serves (default: every model of the
   *     protocol's family)
   * @param modelIds catalog id -> the id this endpoint expects, when it differs (e.g. a gateway
   *     that still wants {@code gemini-3-pro-image-preview})
   * @param connectTimeout default 10s
   * @param requestTimeout the longest any call may take (default 180s: 4K images on Pro take a
   *     minute); each model's own timeout, learnt from its latency, is usually much shorter (see
   *     {@code pipeline.timeouts})
   * @param maxConnections upper bound of concurrent calls to this endpoint (default 1000)
   * @param pricePerImage flat USD per image (gateway pricing), keyed by catalog model id for every
   *     size or {@code <model>@<size>} for one size (e.g. {@code gemini-3-pro-image@4K}); models
   *     not listed are priced by tokens at their list price
   * @param imageQuality OpenAI {@code quality} for gpt-image models: low, medium, high (default
   *     high)
   */
  public record Endpoint(
      String protocol,
      URI baseUrl,
      String apiKey,
      List<String> models,
      Map<String, String> modelIds,
      Duration connectTimeout,
      Duration requestTimeout,
      Integer maxConnections,
      Map<String, BigDecimal> pricePerImage,
      String imageQuality) {

    public Endpoint {
      protocol = protocol == null ? "gemini" : protocol.toLowerCase();
      if (!protocol.equals("gemini") && !protocol.equals("openai")) {
        throw new IllegalArgumentException(
            "pipeline.providers.endpoints.*.protocol must be gemini or openai, not " + protocol);
      }
      if (baseUrl == null) {
        throw new IllegalArgumentException("pipeline.providers.endpoints.*.base-url must be set");
      }
      models = models == null ? List.of() : List.copyOf(models);
      modelIds = modelIds == null ? Map.of() : Map.copyOf(modelIds);
      connectTimeout = connectTimeout == null ? Duration.ofSeconds(10) : connectTimeout;
      requestTimeout = requestTimeout == null ? Duration.ofSeconds(180) : requestTimeout;
      maxConnections = maxConnections == null ? 1000 : maxConnections;
      pricePerImage = pricePerImage == null ? Map.of() : Map.copyOf(pricePerImage);
      imageQuality = imageQuality == null || imageQuality.isBlank() ? "high" : imageQuality;
    }

    /** False when the key is empty: the endpoint is left out (see {@link #usable()}). */
    public boolean hasApiKey() {
      return apiKey != null && !apiKey.isBlank();
    }

    /** The model id to send for a catalog model. */
    public String wireModelId(String catalogModel) {
      return modelIds.getOrDefault(catalogModel, catalogModel);
    }

    @Override
    public String toString() {
      return "Endpoint[protocol="
          + protocol
          + ", baseUrl="
          + baseUrl
          + ", models="
          + models
          + ", apiKey="
          + (apiKey == null || apiKey.isBlank() ? "<none>" : "<set>")
          + "]";
    }
  }
}
