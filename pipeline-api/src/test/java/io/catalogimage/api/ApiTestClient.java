package io.catalogimage.api;

import io.catalogimage.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import tools.jackson.databind.JsonNode;

/**
 * Calls to the api under test as an integrator sends them: the default tenant's key and JSON unless
 * told otherwise; the answer's status and its JSON body (null when empty).
 */
public final class ApiTestClient {

  /** A status and the JSON body, null when the answer had none. */
  public record Answer(int status, JsonNode body) {}

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final int port;

  public ApiTestClient(int port) {
    this.port = port;
  }

  public Answer call(String method, String path, String authorization, String type, String body)
      throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", authorization)
                .header("Content-Type", type)
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body().isEmpty() ? null : Json.mapper().readTree(r.body()));
  }

  /** With the default tenant's key, a JSON body or none. */
  public Answer call(String method, String path, String body) throws Exception {
    return call(method, path, ApiTestInfrastructure.AUTHORIZATION, "application/json", body);
  }

  public Answer get(String path) throws Exception {
    return call("GET", path, null);
  }
}
