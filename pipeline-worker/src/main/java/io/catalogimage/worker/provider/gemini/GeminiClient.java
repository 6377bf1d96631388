package io.catalogimage.worker.provider.gemini;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.worker.provider.AnswerReading;
import io.catalogimage.worker.provider.CaptionRequest;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.ModelVersions;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.ProviderProperties;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import tools.jackson.databind.json.JsonMapper;

/**
 * Gemini-native {@code generateContent} over the JDK's asynchronous HTTP client: one worker holds
 * hundreds of calls in flight on a handful of threads. No SDK: the official one hides the {@code
 * RetryInfo} details and response headers the pipeline routes by, and retries on its own (see
 * docs/decisions.md).
 */
public final class GeminiClient implements ImageProvider {

  private final String name;
  private final ProviderProperties.Endpoint endpoint;
  private final ModelCatalog catalog;
  private final HttpClient http;
  private final Executor readers;
  private final JsonMapper json;
  private final GeminiResponses responses;

  public GeminiClient(
      String name,
      ProviderProperties.Endpoint endpoint,
      ModelCatalog catalog,
      JsonMapper json,
      Executor callbacks) {
    this(
        name,
        endpoint,
        catalog,
        json,
        callbacks,
        AnswerReading.SHARED_READERS,
        new ResultSpool(ResultProperties.defaults()));
  }

  /**
   * @param callbacks the HTTP client's own threads (never blocked)
   * @param readers the threads that read answers as they stream in (blocking reads, bounded pool)
   * @param spool where images are decoded to as they arrive
   */
  public GeminiClient(
      String name,
      ProviderProperties.Endpoint endpoint,
      ModelCatalog catalog,
      JsonMapper json,
      Executor callbacks,
      Executor readers,
      ResultSpool spool) {
    this.name = name;
    this.readers = readers;
    this.endpoint = endpoint;
    this.catalog = catalog;
    this.json = json;
    this.responses = new GeminiResponses(json, new ModelVersions(catalog), spool);
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(endpoint.connectTimeout())
            .executor(callbacks)
            .build();
  }

  @Override
  public java.time.Duration requestTimeout() {
    return endpoint.requestTimeout();
  }

  @Override
  public String endpoint() {
    return name;
  }

  @Override
  public boolean serves(String model) {
    if (!endpoint.models().isEmpty()) {
      return endpoint.models().contains(model);
    }
    return catalog.find(model).map(m -> m.family().equals("gemini")).orElse(false);
  }

  @Override
  public CompletableFuture<ProviderOutcome> generate(GenerationRequest req) {
    ImageModel model = catalog.require(req.model());
    Duration timeout = req.timeoutWithin(endpoint.requestTimeout());
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(url(endpoint.wireModelId(model.id())))
              .timeout(timeout)
              .header("Content-Type", "application/json")
              .header("x-goog-api-key", endpoint.apiKey() == null ? "" : endpoint.apiKey())
              .POST(GeminiBodies.generateContent(json, req, model).publisher())
              .build();
    } catch (RuntimeException e) {
      return AnswerReading.unbuilt(e);
    }
    return AnswerReading.send(
        http,
        request,
        timeout,
        readers,
        (status, headers, body, latency) ->
            responses.classify(status, headers, body, latency, req));
  }

  /**
   * A Gemini endpoint serves a caption model it lists, or, listing none, any {@code gemini-} model
   * that is not an image model of the catalog (the text models: {@code gemini-2.5-flash}...).
   */
  @Override
  public boolean servesCaptions(String model) {
    if (!endpoint.models().isEmpty()) {
      return endpoint.models().contains(model);
    }
    return model.startsWith("gemini-") && catalog.find(model).isEmpty();
  }

  @Override
  public CompletableFuture<ProviderOutcome> describe(CaptionRequest req) {
    Duration timeout = req.timeoutWithin(endpoint.requestTimeout());
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(url(endpoint.wireModelId(req.model())))
              .timeout(timeout)
              .header("Content-Type", "application/json")
              .header("x-goog-api-key", endpoint.apiKey() == null ? "" : endpoint.apiKey())
              .POST(GeminiBodies.describe(json, req).publisher())
              .build();
    } catch (RuntimeException e) {
      return AnswerReading.unbuilt(e);
    }
    return AnswerReading.sendSmall(http, request, timeout, readers, responses::classifyText);
  }

  /** models.get: free and unbilled, authenticated like a generation call. */
  @Override
  public CompletableFuture<ProviderOutcome> lookUp(String model, Duration timeout) {
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(modelUrl(endpoint.wireModelId(model)))
              .timeout(timeout)
              .header("x-goog-api-key", endpoint.apiKey() == null ? "" : endpoint.apiKey())
              .GET()
              .build();
    } catch (RuntimeException e) {
      return AnswerReading.unbuilt(e);
    }
    return AnswerReading.sendSmall(http, request, timeout, readers, responses::classifyLookup);
  }

  private URI url(String wireModel) {
    return URI.create(modelUrl(wireModel) + ":generateContent");
  }

  private URI modelUrl(String wireModel) {
    String base = endpoint.baseUrl().toString().replaceAll("/+$", "");
    return URI.create(
        base + "/v1beta/models/" + URLEncoder.encode(wireModel, StandardCharsets.UTF_8));
  }
}
