package io.catalogimage.local.bench;

import io.catalogimage.common.json.Json;
import io.catalogimage.local.LocalPipeline;
import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Issue 5, benchmark 1: a 100,000-row catalog uploaded as NDJSON and as CSV, streamed from a file;
 * the time until the api answers 202 (every row checked, the batch and its products committed),
 * rows/s, the time until the api has also made the batch's items (right after the answer for an
 * upload this large), and the peak heap of this JVM, which holds the api and also Kafka, S3 and the
 * simulator (run it with {@code JAVA_OPTS=-Xmx512m} to cap them all together at what the api alone
 * is allowed). Each upload's items are made before the next upload starts.
 */
final class IntakeBenchmark {

  private final int rows;

  IntakeBenchmark(int rows) {
    this.rows = rows;
  }

  void run() throws Exception {
    System.out.printf(
        "Intake: %,d rows as NDJSON and as CSV, max heap %d MB%n",
        rows, Runtime.getRuntime().maxMemory() / (1024 * 1024));
    System.out.println("Machine: " + Machine.describe());
    Path dir = Files.createTempDirectory("intake-bench");
    Path ndjson = dir.resolve("catalog.ndjson");
    Path csv = dir.resolve("catalog.csv");
    write(ndjson, csv);
    System.out.printf(
        "  files: NDJSON %,d bytes, CSV %,d bytes%n", Files.size(ndjson), Files.size(csv));
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults().withWorkers(0),
            step -> System.out.println("  " + step + "..."))) {
      JdbcClient jdbc = pipeline.api().getBean(JdbcClient.class);
      // warm-up: the JIT and the connection pool, on a small upload of each kind
      upload(pipeline, ndjson, "application/x-ndjson", "warm-up", true);
      for (String kind : new String[] {"application/x-ndjson", "text/csv"}) {
        Path file = kind.equals("text/csv") ? csv : ndjson;
        System.gc();
        resetPeaks();
        long t0 = System.nanoTime();
        String batch = upload(pipeline, file, kind, "bench-" + kind, false);
        double seconds = (System.nanoTime() - t0) / 1e9;
        awaitItems(jdbc, batch);
        double itemsMade = (System.nanoTime() - t0) / 1e9;
        long peakMb = peakHeap() / (1024 * 1024);
        System.out.printf(
            "  %s: HTTP 202 in %.2f s = %,.0f rows/s; items made %.2f s after the upload began;"
                + " peak heap %d MB%n",
            kind, seconds, rows / seconds, itemsMade, peakMb);
        System.out.printf(
            "%n| %s | %s | %,d | %.2f s | %,.0f rows/s | %.2f s | %d MB |%n%n",
            Machine.describe(), kind, rows, seconds, rows / seconds, itemsMade, peakMb);
      }
    } finally {
      Files.deleteIfExists(ndjson);
      Files.deleteIfExists(csv);
      Files.deleteIfExists(dir);
    }
  }

  private void write(Path ndjson, Path csv) throws Exception {
    try (BufferedWriter nd = Files.newBufferedWriter(ndjson);
        BufferedWriter cs = Files.newBufferedWriter(csv)) {
      cs.write("sku,title,description,color,material\r\n");
      for (int i = 0; i < rows; i++) {
        nd.write(
            "{\"sku\": \"SKU-%07d\", \"title\": \"Organic cotton T-shirt %d\", \"description\":"
                    .formatted(i, i)
                + " \"Heavyweight crew neck, garment dyed\", \"attributes\": {\"color\": \"navy %d\","
                    .formatted(i % 50)
                + " \"material\": \"cotton\"}}\n");
        cs.write(
            "SKU-%07d,Organic cotton T-shirt %d,\"Heavyweight crew neck, garment dyed\",navy %d,cotton\r\n"
                .formatted(i, i, i % 50));
      }
    }
  }

  /** Polls until the api has made the batch's items (a benchmark may poll; a test may not). */
  private static void awaitItems(JdbcClient jdbc, String batch) throws InterruptedException {
    while (jdbc.sql("SELECT items_pending FROM batches WHERE batch_id = CAST(:b AS uuid)")
        .param("b", batch)
        .query(Boolean.class)
        .single()) {
      Thread.sleep(20);
    }
  }

  /** The upload's batch id. */
  private String upload(LocalPipeline pipeline, Path file, String type, String name, boolean small)
      throws Exception {
    String query =
        "?name="
            + URLEncoder.encode(name, StandardCharsets.UTF_8)
            + "&tier=fast&variant=listing:1:1:1K&variant=banner:4:1:2K&altTextLocales=en,de"
            + "&promptTemplate="
            + URLEncoder.encode(
                "Studio photo of {{title}} in {{attributes.color}}", StandardCharsets.UTF_8);
    HttpRequest.BodyPublisher body =
        small
            ? HttpRequest.BodyPublishers.ofString(
                "{\"sku\": \"W-1\", \"title\": \"Warm\", \"attributes\": {\"color\": \"red\"}}\n")
            : HttpRequest.BodyPublishers.ofFile(file);
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(pipeline.apiUri() + "/v1/batches" + query))
                    .header("Authorization", "Bearer " + pipeline.apiKey())
                    .header("Content-Type", type)
                    .POST(body)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 202) {
      throw new IllegalStateException("upload answered " + r.statusCode() + ": " + r.body());
    }
    return Json.mapper().readTree(r.body()).path("id").asString();
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
