package io.catalogimage.local.bench;

import io.catalogimage.local.ApiClient;
import io.catalogimage.local.FeedServer;
import io.catalogimage.local.LocalPipeline;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.zip.GZIPOutputStream;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./pipeline bench feed}: a scheduled run over a feed of a million products of which 1%
 * changed. The feed is a gzipped CSV served over HTTP from this machine (a shop's export URL). A
 * first run imports the whole catalog; the worker's part is then played by SQL (every item
 * succeeded with its image keys, as a worker leaves them) and the run completes, so the catalog
 * state is what a finished night leaves. Then 1% of the titles change and a second run is timed:
 * from "run now" until its batch and the changed products' items are committed and queued (fetched,
 * gunzipped, parsed, every row checked, hashed and diffed, changed products copied). Peak heap is
 * this JVM's, which also holds Kafka, S3 and the feed server.
 */
final class FeedBenchmark {

  private final int products;
  private final double changedShare;

  FeedBenchmark(int products, double changedShare) {
    this.products = products;
    this.changedShare = changedShare;
  }

  void run() throws Exception {
    System.out.printf(
        "Feed: %,d products, %.1f%% changed, max heap %d MB%n",
        products, changedShare * 100, Runtime.getRuntime().maxMemory() / (1024 * 1024));
    System.out.println("Machine: " + Machine.describe());
    Path dir = Files.createTempDirectory("feed-bench");
    try (LocalPipeline pipeline =
            LocalPipeline.start(
                // S3 on disk: the in-memory store would hold million-line manifests in this heap
                LocalPipeline.Options.defaults().withWorkers(0).withS3Directory(dir.resolve("s3")),
                step -> System.out.println("  " + step + "..."));
        FeedServer feeds = FeedServer.serve(dir)) {
      ApiClient api = pipeline.client();
      long t = System.nanoTime();
      writeFeed(dir.resolve("catalog.csv.gz"), 0);
      System.out.printf(
          "feed written: %.1f MB gzipped in %.1f s%n",
          Files.size(dir.resolve("catalog.csv.gz")) / 1e6, seconds(t));
      JsonNode schedule =
          api.post(
                  "/v1/schedules",
                  """
                  {"name": "bench", "dailyAt": "02:00", "timeZone": "UTC", "deadline": "06:00",
                   "source": {"url": "%s"}, "format": "csv",
                   "batch": {"tier": "fast", "variants": [{"name": "main", "aspectRatio": "1:1",
                             "size": "1K"}],
                             "promptTemplate": "Studio photo of {{title}} in {{attributes.color}}"}}
                  """
                      .formatted(feeds.url("catalog.csv.gz")))
              .body();
      String id = schedule.path("id").asString();
      if (id.isEmpty()) {
        throw new IllegalStateException("schedule refused: " + schedule);
      }

      resetPeaks();
      t = System.nanoTime();
      JsonNode first = runUntil(api, id, "GENERATING");
      System.out.printf(
          "first run (whole catalog new): %,d products, %,d items queued in %.1f s, peak heap %d"
              + " MB%n",
          first.path("products").path("new").asLong(),
          first.path("counts").path("queued").asLong(),
          seconds(t),
          peakHeap() / (1024 * 1024));

      t = System.nanoTime();
      completeAsAWorkerWould(pipeline, first.path("batchId").asString());
      System.out.printf("first run's items marked succeeded by SQL in %.1f s%n", seconds(t));
      t = System.nanoTime();
      awaitState(api, id, first.path("id").asString(), "COMPLETED");
      System.out.printf(
          "first run completed (manifest of %,d lines, catalog state) in %.1f s%n",
          products, seconds(t));

      writeFeed(dir.resolve("catalog.csv.gz"), (int) Math.round(products * changedShare));
      resetPeaks();
      t = System.nanoTime();
      JsonNode second = runUntil(api, id, "GENERATING");
      double took = seconds(t);
      long peak = peakHeap() / (1024 * 1024);
      System.out.printf(
          "%nRESULT %s | feed of %,d products, %,d changed: fetched, parsed, diffed and %,d"
              + " items queued in %.1f s (unchanged %,d, removed %,d), peak heap %d MB%n",
          Machine.describe(),
          second.path("products").path("inFeed").asLong(),
          second.path("products").path("changed").asLong(),
          second.path("counts").path("queued").asLong(),
          took,
          second.path("products").path("unchanged").asLong(),
          second.path("products").path("removed").asLong(),
          peak);
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** Run now; waits until the run reaches {@code state} (or fails). */
  private static JsonNode runUntil(ApiClient api, String schedule, String state)
      throws InterruptedException {
    ApiClient.Answer started = api.post("/v1/schedules/" + schedule + "/run");
    if (started.status() != 202) {
      throw new IllegalStateException("run now answered " + started.status() + started.body());
    }
    return awaitState(api, schedule, started.body().path("id").asString(), state);
  }

  private static JsonNode awaitState(ApiClient api, String schedule, String run, String state)
      throws InterruptedException {
    while (true) {
      JsonNode r = api.get("/v1/schedules/" + schedule + "/runs/" + run).body();
      String now = r.path("state").asString();
      if (now.equals(state)) {
        return r;
      }
      if (!now.equals("FETCHING") && !now.equals("GENERATING")) {
        throw new IllegalStateException("run ended " + now + ": " + r.path("reason").asString());
      }
      Thread.sleep(100);
    }
  }

  /** Products 1..n; the first {@code changed} have another title than in the first feed. */
  private void writeFeed(Path file, int changed) throws IOException {
    String[] colors = {"navy", "sand", "forest", "charcoal", "rust", "ivory"};
    try (Writer out =
        new BufferedWriter(
            new OutputStreamWriter(
                new GZIPOutputStream(Files.newOutputStream(file), 1 << 16), StandardCharsets.UTF_8),
            1 << 16)) {
      out.write("sku,title,description,color,price,availability\n");
      for (int i = 1; i <= products; i++) {
        out.write("SKU-");
        out.write(Integer.toString(i));
        out.write(i <= changed ? ",Organic cotton tee no. " : ",Cotton tee no. ");
        out.write(Integer.toString(i));
        out.write(",Heavyweight crew neck in soft jersey,");
        out.write(colors[i % colors.length]);
        out.write(",");
        out.write(Integer.toString(10 + i % 90));
        out.write(".00 EUR,in stock\n");
      }
    }
  }

  /** What workers leave behind: every item claimed, then succeeded with its image keys. */
  private static void completeAsAWorkerWould(LocalPipeline pipeline, String batch)
      throws Exception {
    try (Connection c =
            DriverManager.getConnection(
                pipeline.jdbcUrl(),
                io.catalogimage.infra.LocalPostgres.USER,
                io.catalogimage.infra.LocalPostgres.PASSWORD);
        PreparedStatement claim =
            c.prepareStatement(
                """
                UPDATE items SET state = 'RUNNING', version = version + 1
                 WHERE batch_id = CAST(? AS uuid) AND state IN ('QUEUED', 'DISPATCHED')
                """);
        PreparedStatement s =
            c.prepareStatement(
                """
                UPDATE items SET state = 'SUCCEEDED', dispatched_at = NULL,
                       image_key = 'tenants/' || tenant_id || '/batches/' || batch_id || '/'
                                   || sku || '/' || variant || '.png',
                       sidecar_key = 'tenants/' || tenant_id || '/batches/' || batch_id || '/'
                                   || sku || '/' || variant || '.json',
                       alt_text = '{"en": "a cotton tee"}', caption = 'A cotton tee',
                       model_served = 'gemini-3.1-flash-image', cost_usd = 0.0672,
                       finished_at = now(), version = version + 1
                 WHERE batch_id = CAST(? AS uuid) AND state = 'RUNNING'
                """)) {
      // claimed, then ended: the database allows only the moves of the transition table
      claim.setString(1, batch);
      claim.executeUpdate();
      s.setString(1, batch);
      s.executeUpdate();
    }
  }

  private static void resetPeaks() {
    System.gc();
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

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
