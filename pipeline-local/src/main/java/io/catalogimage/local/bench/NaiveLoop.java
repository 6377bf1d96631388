package io.catalogimage.local.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The approach the product articles recommend, as a merchant would script it: for each product try
 * Nano Banana 2; on a 429 or a timeout switch to Pro; retry up to 2 times; a few threads in
 * parallel. The baseline of the peak-day benchmark.
 */
final class NaiveLoop {

  static final String NB2 = "gemini-3.1-flash-image";
  static final String PRO = "gemini-3-pro-image";

  private final URI base;
  private final int threads;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  NaiveLoop(URI base, int threads) {
    this.base = base;
    this.threads = threads;
  }

  /** Images delivered. */
  int run(List<String> prompts) throws Exception {
    AtomicInteger delivered = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> all =
          prompts.stream()
              .map(
                  p ->
                      pool.submit(
                          () -> {
                            if (generate(p)) {
                              delivered.incrementAndGet();
                            }
                          }))
              .<Future<?>>map(f -> f)
              .toList();
      for (Future<?> f : all) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    return delivered.get();
  }

  private boolean generate(String prompt) {
    String model = NB2;
    for (int attempt = 0; attempt < 3; attempt++) {
      int status;
      String body;
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(base.resolve("/v1beta/models/" + model + ":generateContent"))
                    .timeout(Duration.ofSeconds(120))
                    .header("x-goog-api-key", "sim-key")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(request(prompt)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        status = r.statusCode();
        body = r.body();
      } catch (java.net.http.HttpTimeoutException e) {
        status = 504;
        body = "";
      } catch (Exception e) {
        status = 599;
        body = "";
      }
      if (status == 200 && body.contains("\"inlineData\"")) {
        return true;
      }
      if (status == 429 || status == 504) {
        model = PRO;
      }
      // blocks, 5xx: try again as is
    }
    return false;
  }

  private static String request(String prompt) {
    return """
        {"contents": [{"parts": [{"text": %s}]}],
         "generationConfig": {"responseModalities": ["TEXT", "IMAGE"],
                              "imageConfig": {"aspectRatio": "1:1", "imageSize": "1K"}}}
        """
        .formatted(io.catalogimage.common.json.Json.mapper().writeValueAsString(prompt));
  }
}
