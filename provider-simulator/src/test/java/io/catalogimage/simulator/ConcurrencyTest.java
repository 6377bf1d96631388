package io.catalogimage.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Latency holds no thread: thousands of slow calls are in flight at once on a few threads. */
class ConcurrencyTest {
  private static final int CALLS = 2000;

  @Test
  void two_thousand_concurrent_calls_with_two_seconds_of_latency_all_complete_together() {
    SimulatorConfig config =
        SimulatorConfig.defaults()
            .withoutPeak()
            .withTimeScale(0.001)
            .withFixedLatency(Duration.ofSeconds(2000)); // 2 s after scaling
    ExecutorService clientPool = Executors.newFixedThreadPool(4);
    try (ProviderSimulator sim = ProviderSimulator.start(config)) {
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .executor(clientPool)
              .connectTimeout(Duration.ofSeconds(20))
              .build();
      URI uri = sim.baseUri().resolve("/v1beta/models/gemini-3.1-flash-image:generateContent");
      long start = System.nanoTime();
      List<CompletableFuture<HttpResponse<Void>>> calls = new ArrayList<>();
      for (int i = 0; i < CALLS; i++) {
        HttpRequest request =
            HttpRequest.newBuilder(uri)
                .header("x-goog-api-key", SimClient.KEY)
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(SimClient.prompt("sku " + i).toString()))
                .build();
        calls.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding()));
      }
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

      assertThat(calls).allSatisfy(c -> assertThat(c.join().statusCode()).isEqualTo(200));
      assertThat(sim.stats().totals().accepted()).isEqualTo(CALLS);
      // A thread per waiting call on the server's few threads would take 2000 x 2 s / threads.
      int serverThreads = config.server().httpThreads() + config.server().writerThreads() + 1;
      assertThat(elapsed)
          .isLessThan(Duration.ofSeconds(2L * CALLS / serverThreads / 10))
          .isLessThan(Duration.ofSeconds(20));
      long simThreads =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.getName().startsWith("sim-"))
              .count();
      assertThat(simThreads).isLessThanOrEqualTo(serverThreads);
    } finally {
      clientPool.shutdownNow();
    }
  }
}
