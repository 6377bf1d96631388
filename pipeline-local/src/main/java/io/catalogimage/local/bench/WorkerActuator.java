package io.catalogimage.local.bench;

import io.catalogimage.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A worker process's metrics, read from its actuator with the admin token (the actuator is behind
 * it since issue 12). A refused token stops the benchmark: silently reading zeros is how the
 * in-flight benchmark reported nothing for months.
 */
final class WorkerActuator {

  private final HttpClient http = HttpClient.newHttpClient();
  private final URI metrics;
  private final String token;
  private volatile String lastAnswer = "no answer yet";

  WorkerActuator(int port, String adminToken) {
    this.metrics = URI.create("http://127.0.0.1:" + port + "/actuator/metrics/");
    this.token = adminToken;
  }

  /**
   * Waits until the worker answers (at most {@code limit}: a loaded machine starts it slowly), and
   * stops at once if its process ended; {@code log} is named if it does not come up.
   */
  void awaitUp(Duration limit, java.util.function.BooleanSupplier alive, Path log)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      if (!alive.getAsBoolean()) {
        throw new IllegalStateException("the worker process ended; see " + log);
      }
      if (metric("jvm.memory.used", "") > 0) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        "the worker process did not come up within "
            + limit.toSeconds()
            + " s (last answer: "
            + lastAnswer
            + "); see "
            + log);
  }

  /**
   * The first measurement of a metric, 0 while the worker is not up or the metric not registered.
   *
   * @throws IllegalStateException when the actuator refuses the token
   */
  double metric(String name, String query) {
    HttpResponse<String> r;
    try {
      r =
          http.send(
              HttpRequest.newBuilder(metrics.resolve(name + query))
                  .header("Authorization", "Bearer " + token)
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (Exception e) {
      lastAnswer = e.toString();
      return 0; // not listening yet
    }
    lastAnswer = "HTTP " + r.statusCode();
    if (r.statusCode() == 401 || r.statusCode() == 403) {
      throw new IllegalStateException(
          "the worker's actuator refused the admin token (HTTP " + r.statusCode() + ")");
    }
    if (r.statusCode() != 200) {
      return 0;
    }
    return Json.mapper().readTree(r.body()).path("measurements").path(0).path("value").asDouble();
  }
}
