package io.catalogimage.local.bench;

import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.local.ApiClient;
import io.catalogimage.local.LocalPipeline;
import io.catalogimage.simulator.SimulatorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tools.jackson.databind.JsonNode;

/**
 * Issue 2, benchmark 1: end-to-end throughput with the simulator at zero latency and no limits,
 * beside the raw rate of the slowest component measured the same way (S3 PUTs of the same objects).
 */
final class ThroughputBenchmark {

  /** Items run before the measured batch; -Dbench.warm-up=N to change. */
  private static final int WARM_UP = Integer.getInteger("bench.warm-up", 10_000);

  private final int items;
  private final boolean s3OnDisk;

  /**
   * @param s3OnDisk S3Proxy's filesystem backend (objects written to disk) or its in-memory one;
   *     the raw S3 rate beside the result is measured on the same backend
   */
  ThroughputBenchmark(int items, boolean s3OnDisk) {
    this.items = items;
    this.s3OnDisk = s3OnDisk;
  }

  void run() throws Exception {
    Path s3 = s3OnDisk ? Files.createTempDirectory("bench-s3-") : null;
    System.out.printf(
        "Throughput benchmark: %d items, simulator latency 0, no limits, S3 %s%n",
        items, s3OnDisk ? "on disk" : "in memory");
    System.out.println("Machine: " + Machine.describe());
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withS3Directory(s3)
                .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0.0))
                .withProperty("pipeline.dispatch.batch-size", 1000)
                .withProperty("pipeline.dispatch.max-outstanding-per-lane", 20000)
                .withProperty("pipeline.worker.max-in-flight", 256)
                .withProperty("spring.kafka.consumer.max-poll-records", 500),
            step -> System.out.println("  " + step + "..."))) {
      ApiClient api = pipeline.client();
      // one JVM holds Kafka, S3Proxy, the simulator, the api and the worker: the JIT still
      // compiles for several CPU-seconds after 3,000 items; measure the steady state a
      // long-running worker is in
      System.out.println("Warm-up: " + WARM_UP + " items");
      timeBatch(api, WARM_UP);
      System.out.println("Measured run: " + items + " items");
      double seconds = timeBatch(api, items);
      double rate = items / seconds;
      System.out.printf(
          "  pipeline: %d items stored in %.1f s = %.0f items/s%n", items, seconds, rate);

      ObjectStore store = pipeline.api().getBean(ObjectStore.class);
      double s3Rate = rawS3Rate(store, pipeline);
      System.out.printf(
          "  raw S3: %.0f items/s (image + sidecar PUT, 16 threads, same objects)%n", s3Rate);
      System.out.printf("  ratio pipeline / raw S3: %.2f%n", rate / s3Rate);
      System.out.printf(
          "%n| %s | %s | %d | %.1f s | %.0f items/s | %.0f items/s | %.2f |%n",
          Machine.describe(),
          s3OnDisk ? "disk" : "memory",
          items,
          seconds,
          rate,
          s3Rate,
          rate / s3Rate);
    }
  }

  private double timeBatch(ApiClient api, int n) throws InterruptedException {
    long start = System.nanoTime();
    ApiClient.Answer accepted = api.submit(BenchCatalog.listingOnly("bench-" + n, n, "fast"));
    if (accepted.status() != 202) {
      throw new IllegalStateException("submission refused: " + accepted.body());
    }
    String id = accepted.body().path("id").asString();
    while (true) {
      JsonNode batch = api.get("/v1/batches/" + id).body();
      if ("COMPLETED".equals(batch.path("state").asString())) {
        int ok = batch.path("counts").path("SUCCEEDED").asInt();
        if (ok != n) {
          System.out.println(
              "  warning: only " + ok + " of " + n + " succeeded: " + batch.path("counts"));
        }
        return (System.nanoTime() - start) / 1e9;
      }
      Thread.sleep(200); // polling the api costs the pipeline CPU
    }
  }

  /** PUTs of an image and a sidecar like the ones the pipeline wrote, as fast as S3 takes them. */
  private double rawS3Rate(ObjectStore store, LocalPipeline pipeline) throws Exception {
    var jdbc = pipeline.api().getBean(org.springframework.jdbc.core.simple.JdbcClient.class);
    List<String> keys =
        jdbc.sql("SELECT image_key, sidecar_key FROM items WHERE image_key IS NOT NULL LIMIT 1")
            .query((rs, i) -> List.of(rs.getString(1), rs.getString(2)))
            .single();
    byte[] image = store.get(keys.get(0)).orElseThrow();
    byte[] sidecar = store.get(keys.get(1)).orElseThrow();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    long start = System.nanoTime();
    List<Future<?>> puts = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      String base = "raw-s3-bench/" + i;
      puts.add(
          pool.submit(
              () -> {
                store.put(base + ".png", image, "image/png");
                store.put(base + ".json", sidecar, "application/json");
              }));
    }
    for (Future<?> f : puts) {
      f.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    return items / seconds;
  }
}
