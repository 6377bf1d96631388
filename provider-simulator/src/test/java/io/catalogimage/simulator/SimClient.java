package io.catalogimage.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Real HTTP against a started simulator, with builders for the two request shapes. */
public final class SimClient {
  public static final JsonMapper JSON = JsonMapper.builder().build();
  public static final String KEY = SimulatorConfig.DEFAULT_KEY;

  private final URI base;
  private final HttpClient http;

  public SimClient(ProviderSimulator sim) {
    this(sim.baseUri());
  }

  public SimClient(URI base) {
    this.base = base;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  /** A response with its body parsed as JSON (null when the body is not JSON). */
  public record Reply(int status, HttpHeaders headers, JsonNode body, String raw) {
    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    public String outcome() {
      return header("x-sim-outcome");
    }

    public JsonNode error() {
      return body.path("error");
    }

    public JsonNode parts() {
      return body.path("candidates").path(0).path("content").path("parts");
    }

    /** The decoded bytes of every non-thought inline image, in order. */
    public List<byte[]> finalImages() {
      List<byte[]> out = new ArrayList<>();
      for (JsonNode p : parts()) {
        if (p.has("inlineData") && !p.path("thought").asBoolean(false)) {
          out.add(Base64.getDecoder().decode(p.path("inlineData").path("data").asString()));
        }
      }
      return out;
    }
  }

  public Reply gemini(String model, JsonNode body) {
    return gemini(model, body, KEY);
  }

  public Reply gemini(String model, JsonNode body, String key) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve("/v1beta/models/" + model + ":generateContent"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (key != null) {
      b.header("x-goog-api-key", key);
    }
    return send(b.build());
  }

  public CompletableFuture<Reply> geminiAsync(String model, JsonNode body) {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("/v1beta/models/" + model + ":generateContent"))
            .header("Content-Type", "application/json")
            .header("x-goog-api-key", KEY)
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(SimClient::reply);
  }

  public Reply openai(String path, JsonNode body) {
    return openai(path, body, KEY);
  }

  public Reply openai(String path, JsonNode body, String key) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return send(b.build());
  }

  public Reply raw(HttpRequest.Builder request) {
    return send(request.build());
  }

  public URI uri(String path) {
    return base.resolve(path);
  }

  public Reply get(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET().build());
  }

  public Reply put(String path, String body) {
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .PUT(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  public Reply post(String path, String body) {
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private Reply send(HttpRequest request) {
    try {
      return reply(http.send(request, HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Reply reply(HttpResponse<String> r) {
    JsonNode body;
    try {
      body = JSON.readTree(r.body());
    } catch (RuntimeException e) {
      body = JSON.missingNode();
    }
    return new Reply(r.statusCode(), r.headers(), body, r.body());
  }

  // ---- request bodies ----

  /** {@code {"contents":[{"parts":[{"text": prompt}]}]}} */
  public static ObjectNode prompt(String prompt) {
    ObjectNode root = JSON.createObjectNode();
    root.putArray("contents").addObject().putArray("parts").addObject().put("text", prompt);
    return root;
  }

  /** A prompt with TEXT+IMAGE modalities and an imageConfig (null values are left out). */
  public static ObjectNode image(String prompt, String aspectRatio, String imageSize) {
    ObjectNode root = prompt(prompt);
    ObjectNode gen = root.putObject("generationConfig");
    ArrayNode modalities = gen.putArray("responseModalities");
    modalities.add("TEXT");
    modalities.add("IMAGE");
    ObjectNode imageConfig = gen.putObject("imageConfig");
    if (aspectRatio != null) {
      imageConfig.put("aspectRatio", aspectRatio);
    }
    if (imageSize != null) {
      imageConfig.put("imageSize", imageSize);
    }
    return root;
  }

  public static ObjectNode generation(String model, String prompt) {
    ObjectNode root = JSON.createObjectNode();
    root.put("model", model);
    root.put("prompt", prompt);
    return root;
  }
}
