package io.catalogimage.local.bench;

import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.local.ApiClient;
import io.catalogimage.local.LocalPipeline;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.StatsSnapshot;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Issue 4, benchmark 2: a catalog generated during peak hours (the simulator at 11:00 UTC: half the
 * Nano Banana 2 quota, double latency, faults on), by the naive loop and by the pipeline, on the
 * same simulator settings. Targets: the pipeline delivers at least as many images at no more than
 * 0.9 x the naive cost per image, and loses nothing. Cost is the simulator's count of images made
 * per model at list price.
 */
final class PeakDayBenchmark {

  private static final int BASE_RPM = 600;

  private final int items;
  private final int naiveThreads;

  PeakDayBenchmark(int items, int naiveThreads) {
    this.items = items;
    this.naiveThreads = naiveThreads;
  }

  void run() throws Exception {
    Instant eleven = LocalDate.now(ZoneOffset.UTC).atTime(11, 0).toInstant(ZoneOffset.UTC);
    Duration offset = Duration.between(Instant.now(), eleven);
    System.out.printf(
        "Peak day: %d products at 11:00 UTC (peak), %s and %s at %d requests/min off-peak%n",
        items, NaiveLoop.NB2, NaiveLoop.PRO, BASE_RPM);
    System.out.println("Machine: " + Machine.describe());
    SimulatorConfig sim =
        SimulatorConfig.defaults()
            .withTimeScale(0.05)
            .withQuota("default", NaiveLoop.NB2, BASE_RPM, BASE_RPM, 1_000_000)
            .withQuota("default", NaiveLoop.PRO, BASE_RPM, BASE_RPM, 1_000_000);
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(sim)
                .withProperty("pipeline.clock.offset", offset)
                .withProperty("pipeline.peak.enabled", true)
                // the account's limits, as its owner knows them (peak: NB2 x 0.5, Pro x 0.8)
                .withProperty(budget(NaiveLoop.NB2, "requests-per-minute"), BASE_RPM)
                .withProperty(budget(NaiveLoop.NB2, "peak-requests-per-minute"), BASE_RPM / 2)
                .withProperty(budget(NaiveLoop.PRO, "requests-per-minute"), BASE_RPM)
                .withProperty(budget(NaiveLoop.PRO, "peak-requests-per-minute"), BASE_RPM * 8 / 10),
            step -> System.out.println("  " + step + "..."))) {
      pipeline.simulator().clock().offsetBy(offset);

      // the naive loop
      List<String> prompts = new ArrayList<>();
      for (int i = 0; i < items; i++) {
        prompts.add("Studio product photo of Peak product " + i + " in shade " + (i % 97));
      }
      long t0 = System.nanoTime();
      int naiveDelivered = new NaiveLoop(pipeline.simulator().baseUri(), naiveThreads).run(prompts);
      double naiveSeconds = (System.nanoTime() - t0) / 1e9;
      StatsSnapshot naive = pipeline.simulator().stats();
      BigDecimal naiveCost = cost(naive);

      // the pipeline, on a fresh simulator state (quota windows, stats, trigger counts)
      pipeline.simulator().resetState();
      ApiClient api = pipeline.client();
      long t1 = System.nanoTime();
      String id =
          api.submit(peakCatalog(BenchCatalog.listingOnly("peak-day", items, "fast")))
              .body()
              .path("id")
              .asString();
      JsonNode batch = Benchmarks.awaitCompleted(api, id);
      double pipelineSeconds = (System.nanoTime() - t1) / 1e9;
      StatsSnapshot piped = pipeline.simulator().stats();
      BigDecimal pipelineCost = cost(piped);
      long delivered = batch.path("counts").path("SUCCEEDED").asLong();
      long terminal = batch.path("progress").path("done").asLong();

      BigDecimal naivePer = perImage(naiveCost, naiveDelivered);
      BigDecimal pipelinePer = perImage(pipelineCost, delivered);
      System.out.printf(
          "  naive (%d threads): %d images in %.0f s, %d calls (%d x 429), cost $%s = $%s/image;"
              + " images by model %s%n",
          naiveThreads,
          naiveDelivered,
          naiveSeconds,
          naive.totals().calls(),
          naive.totals().rateLimited(),
          naiveCost,
          naivePer,
          images(naive));
      System.out.printf(
          "  pipeline: %d images in %.0f s, %d calls (%d x 429), cost $%s = $%s/image;"
              + " images by model %s; items %s%n",
          delivered,
          pipelineSeconds,
          piped.totals().calls(),
          piped.totals().rateLimited(),
          pipelineCost,
          pipelinePer,
          images(piped),
          batch.path("counts"));
      double ratio = pipelinePer.doubleValue() / naivePer.doubleValue();
      System.out.printf(
          "  cost per image: pipeline / naive = %.2f (target <= 0.90); images %d vs %d (target >=);"
              + " items lost: %d%n",
          ratio, delivered, naiveDelivered, items - terminal);
      System.out.printf(
          "%n| %s | %d | naive %d thr: %d img, $%s/img, %.0f s | pipeline: %d img, $%s/img, %.0f s"
              + " | %.2f | %d |%n",
          Machine.describe(),
          items,
          naiveThreads,
          naiveDelivered,
          naivePer,
          naiveSeconds,
          delivered,
          pipelinePer,
          pipelineSeconds,
          ratio,
          items - terminal);
    }
  }

  private static String budget(String model, String key) {
    return "pipeline.budgets.models[" + model + "]." + key;
  }

  /** The benchmark catalog as urgent interactive work that may reroute safety blocks. */
  private static byte[] peakCatalog(byte[] catalog) {
    String json = new String(catalog, java.nio.charset.StandardCharsets.UTF_8);
    return json.replaceFirst(
            "\"tier\": \"fast\",",
            "\"tier\": \"fast\", \"lane\": \"interactive\", \"allowSafetyReroute\": true,")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Images made per model, at list price for a 1K image (output image tokens). */
  static BigDecimal cost(StatsSnapshot stats) {
    ModelCatalog catalog = ModelCatalog.defaults();
    BigDecimal total = BigDecimal.ZERO;
    for (var e : stats.models().entrySet()) {
      long images = e.getValue().outcome("SUCCESS");
      ImageModel m = catalog.require(e.getKey());
      BigDecimal perImage =
          m.listPrice()
              .outputImage()
              .multiply(BigDecimal.valueOf(m.outputTokens("1K")))
              .movePointLeft(6);
      total = total.add(perImage.multiply(BigDecimal.valueOf(images)));
    }
    return total.setScale(2, RoundingMode.HALF_UP);
  }

  private static String images(StatsSnapshot stats) {
    StringBuilder sb = new StringBuilder("{");
    stats
        .models()
        .forEach((m, c) -> sb.append(m).append('=').append(c.outcome("SUCCESS")).append(' '));
    return sb.toString().trim() + "}";
  }

  private static BigDecimal perImage(BigDecimal cost, long images) {
    return images == 0
        ? BigDecimal.ZERO
        : cost.divide(BigDecimal.valueOf(images), 4, RoundingMode.HALF_UP);
  }
}
