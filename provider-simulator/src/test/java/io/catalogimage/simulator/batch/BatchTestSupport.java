package io.catalogimage.simulator.batch;

import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.BatchSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A simulator on a frozen clock with a fixed turnaround, and raw HTTP helpers. */
final class BatchTestSupport implements AutoCloseable {
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final String KEY = SimulatorConfig.DEFAULT_KEY;
  static final Instant T0 = Instant.parse("2026-12-05T02:00:00Z");

  final ProviderSimulator sim;
  private final HttpClient http = HttpClient.newHttpClient();

  BatchTestSupport(BatchSettings batch) {
    sim =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withTimeScale(1.0)
                .withFixedLatency(Duration.ZERO)
                .withBatch(batch));
    sim.clock().fixAt(T0);
  }

  static BatchSettings turnaround(Duration d) {
    return BatchSettings.standard().withTurnaround(d, d).withTail(0, d).withLineFailureRate(0);
  }

  void advance(Duration d) {
    sim.clock().advanceBy(d);
  }

  record Reply(int status, String raw, JsonNode json, java.net.http.HttpHeaders headers) {}

  Reply send(HttpRequest.Builder b) {
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json;
      try {
        json = JSON.readTree(r.body());
      } catch (RuntimeException e) {
        json = JSON.missingNode();
      }
      return new Reply(r.statusCode(), r.body(), json, r.headers());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(sim.baseUri() + path));
  }

  Reply geminiPost(String path, String body) {
    return send(
        request(path)
            .header("x-goog-api-key", KEY)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  Reply geminiGet(String path) {
    return send(request(path).header("x-goog-api-key", KEY).GET());
  }

  Reply openAiPost(String path, String body) {
    return send(
        request(path)
            .header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  Reply openAiGet(String path) {
    return send(request(path).header("Authorization", "Bearer " + KEY).GET());
  }

  Reply openAiUpload(String jsonl) {
    String boundary = "b0undary";
    String body =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
            + "Content-Type: application/jsonl\r\n\r\n"
            + jsonl
            + "\r\n--"
            + boundary
            + "--\r\n";
    return send(
        request("/v1/files")
            .header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
  }

  @Override
  public void close() {
    sim.close();
  }
}
