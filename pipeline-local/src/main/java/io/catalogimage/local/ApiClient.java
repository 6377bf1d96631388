package io.catalogimage.local;

import io.catalogimage.common.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/** A small client of the pipeline's REST api, as an integrator would write one. */
public final class ApiClient {

  private final URI base;
  private final String apiKey;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A client that sends no credentials (to see what the api says to those). */
  public ApiClient(URI base) {
    this(base, null);
  }

  /** A client acting with this API key ({@code Authorization: Bearer <key>}). */
  public ApiClient(URI base, String apiKey) {
    this.base = base;
    this.apiKey = apiKey;
  }

  /** The answer: status and JSON body. */
  public record Answer(int status, JsonNode body) {}

  public Answer submit(byte[] catalogJson) {
    return send(
        request(base.resolve("/v1/batches"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(catalogJson))
            .build());
  }

  /** A POST without a body (actions such as cancel). */
  public Answer post(String path) {
    return send(request(base.resolve(path)).POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  /** A POST with a JSON body (actions with options, such as a re-drive on another tier). */
  public Answer post(String path, String json) {
    return send(
        request(base.resolve(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  /** A PUT with a JSON body (settings such as a batch's cost cap). */
  public Answer put(String path, String json) {
    return send(
        request(base.resolve(path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  public Answer get(String path) {
    return send(request(base.resolve(path)).GET().build());
  }

  /** Where a GET is redirected to (the Location of a 3xx), e.g. a run's manifest. */
  public URI redirect(String path) {
    try {
      HttpResponse<Void> r =
          http.send(
              request(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.discarding());
      return r.headers()
          .firstValue("location")
          .map(URI::create)
          .orElseThrow(
              () -> new IllegalStateException("GET " + path + " answered " + r.statusCode()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Downloads a (presigned) URL to a file. */
  public void download(URI url, Path target) {
    try {
      java.nio.file.Files.createDirectories(target.getParent());
      HttpResponse<Path> r =
          http.send(
              HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofFile(target));
      if (r.statusCode() != 200) {
        throw new IllegalStateException("GET " + url + " answered " + r.statusCode());
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not download " + url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri);
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b;
  }

  private Answer send(HttpRequest request) {
    try {
      HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      JsonNode body = r.body().length == 0 ? null : Json.mapper().readTree(r.body());
      return new Answer(r.statusCode(), body);
    } catch (IOException e) {
      throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
