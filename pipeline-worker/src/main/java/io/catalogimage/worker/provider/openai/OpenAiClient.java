package io.catalogimage.worker.provider.openai;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.worker.provider.AnswerReading;
import io.catalogimage.worker.provider.CaptionRequest;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.ProviderProperties;
import io.catalogimage.worker.provider.SplicedBody;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import tools.jackson.databind.json.JsonMapper;

/**
 * OpenAI-compatible Images API ({@code /v1/images/generations}, {@code /v1/images/edits} when the
 * item has reference photos) with a Bearer key: OpenAI itself and the gateways that resell image
 * models behind the same shape. Raw HTTP rather than the official SDK, whose retries and response
 * wrapping hide the headers the pipeline routes by (see docs/decisions.md).
 */
public final class OpenAiClient implements ImageProvider {

  private final String name;
  private final ProviderProperties.Endpoint endpoint;
  private final ModelCatalog catalog;
  private final JsonMapper json;
  private final HttpClient http;
  private final Executor readers;
  private final OpenAiResponses responses;

  public OpenAiClient(
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
  public OpenAiClient(
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
    this.responses = new OpenAiResponses(json, spool);
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
    return catalog.find(model).map(m -> m.family().equals("openai")).orElse(false);
  }

  @Override
  public CompletableFuture<ProviderOutcome> generate(GenerationRequest req) {
    Duration timeout = req.timeoutWithin(endpoint.requestTimeout());
    HttpRequest request;
    try {
      ImageModel model = catalog.require(req.model());
      Map<String, String> fields =
          OpenAiBodies.fields(
              req, model, endpoint.wireModelId(model.id()), endpoint.imageQuality());
      HttpRequest.Builder builder =
          HttpRequest.newBuilder()
              .timeout(timeout)
              .header(
                  "Authorization",
                  "Bearer " + (endpoint.apiKey() == null ? "" : endpoint.apiKey()));
      if (req.references().isEmpty() && !req.isEdit()) {
        builder
            .uri(url("/v1/images/generations"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofByteArray(OpenAiBodies.generationsJson(json, fields)));
      } else {
        OpenAiBodies.Multipart body = OpenAiBodies.editsMultipart(fields, req);
        builder
            .uri(url("/v1/images/edits"))
            .header("Content-Type", body.contentType())
            .POST(body.body().publisher());
      }
      request = builder.build();
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
   * An OpenAI-compatible endpoint serves a caption model it lists, or, listing none, any {@code
   * gpt-} model that is not an image model of the catalog ({@code gpt-4.1-mini}...).
   */
  @Override
  public boolean servesCaptions(String model) {
    if (!endpoint.models().isEmpty()) {
      return endpoint.models().contains(model);
    }
    return model.startsWith("gpt-") && catalog.find(model).isEmpty();
  }

  /** {@code POST /v1/chat/completions} with the image as a {@code data:} URL, JSON out. */
  @Override
  public CompletableFuture<ProviderOutcome> describe(CaptionRequest req) {
    Duration timeout = req.timeoutWithin(endpoint.requestTimeout());
    HttpRequest request;
    try {
      SplicedBody body = OpenAiBodies.chatCompletion(json, endpoint.wireModelId(req.model()), req);
      request =
          HttpRequest.newBuilder(url("/v1/chat/completions"))
              .timeout(timeout)
              .header(
                  "Authorization", "Bearer " + (endpoint.apiKey() == null ? "" : endpoint.apiKey()))
              .header("Content-Type", "application/json")
              .POST(body.publisher())
              .build();
    } catch (RuntimeException e) {
      return AnswerReading.unbuilt(e);
    }
    return AnswerReading.sendSmall(http, request, timeout, readers, responses::classifyText);
  }

  /** {@code GET /v1/models/{model}}: free and unbilled, authenticated like a generation call. */
  @Override
  public CompletableFuture<ProviderOutcome> lookUp(String model, Duration timeout) {
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(
                  url(
                      "/v1/models/"
                          + URLEncoder.encode(endpoint.wireModelId(model), StandardCharsets.UTF_8)))
              .timeout(timeout)
              .header(
                  "Authorization", "Bearer " + (endpoint.apiKey() == null ? "" : endpoint.apiKey()))
              .GET()
              .build();
    } catch (RuntimeException e) {
      return AnswerReading.unbuilt(e);
    }
    return AnswerReading.sendSmall(http, request, timeout, readers, responses::classifyLookup);
  }

  /** The base URL may or may not end in /v1 (both forms are common in gateway docs). */
  private URI url(String path) {
    String base = endpoint.baseUrl().toString().replaceAll("/+$", "");
    if (base.endsWith("/v1")) {
      base = base.substring(0, base.length() - 3);
    }
    return URI.create(base + path);
  }
}
