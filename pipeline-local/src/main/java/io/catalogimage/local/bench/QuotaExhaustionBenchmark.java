package io.catalogimage.local.bench;

import io.catalogimage.local.ApiClient;
import io.catalogimage.local.LocalPipeline;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.StatsSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Issue 4, benchmark 3: Nano Banana 2's daily quota runs out mid-batch, shortly before midnight
 * Pacific (the pipeline and the simulator are both moved there). The pipeline is not told the daily
 * quota; it learns it from the provider's first per-day 429. Parking (the default with {@code
 * --park}) holds the rest until the reset; rerouting sends it to Pro at once. Target: no item
 * fails, and parked items finish after the reset.
 */
final class QuotaExhaustionBenchmark {

  private static final String NB2 = "gemini-3.1-flash-image";
  private static final ZoneId PACIFIC = ZoneId.of("America/Los_Angeles");

  private final int items;
  private final int perDay;
  private final boolean reroute;
  private final int secondsBeforeReset;

  QuotaExhaustionBenchmark(int items, int perDay, boolean reroute, int secondsBeforeReset) {
    this.items = items;
    this.perDay = perDay;
    this.reroute = reroute;
    this.secondsBeforeReset = secondsBeforeReset;
  }

  void run() throws Exception {
    Instant midnight = LocalDate.now(PACIFIC).plusDays(1).atStartOfDay(PACIFIC).toInstant();
    Instant start = midnight.minusSeconds(secondsBeforeReset);
    Duration offset = Duration.between(Instant.now(), start);
    System.out.printf(
        "Quota exhaustion: %d items, %s allows %d a day, %d s before midnight Pacific; policy: %s%n",
        items,
        NB2,
        perDay,
        secondsBeforeReset,
        reroute ? "reroute to the next model" : "park until the reset");
    System.out.println("Machine: " + Machine.describe());
    SimulatorConfig sim =
        SimulatorConfig.defaults()
            .withoutPeak()
            .withTimeScale(0.05)
            .withQuota("default", NB2, 600, 600, perDay);
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(sim)
                .withProperty("pipeline.clock.offset", offset)
                .withProperty("pipeline.budgets.models[" + NB2 + "].requests-per-minute", 600)
                .withProperty("pipeline.routing.reroute-on-quota", reroute),
            step -> System.out.println("  " + step + "..."))) {
      pipeline.simulator().clock().offsetBy(offset);
      ApiClient api = pipeline.client();
      long t0 = System.nanoTime();
      String id =
          api.submit(BenchCatalog.listingOnly("quota", items, "fast")).body().path("id").asString();
      JsonNode batch = Benchmarks.awaitCompleted(api, id);
      double seconds = (System.nanoTime() - t0) / 1e9;
      StatsSnapshot stats = pipeline.simulator().stats();
      Map<String, Object> timing =
          pipeline
              .api()
              .getBean(org.springframework.jdbc.core.simple.JdbcClient.class)
              .sql(
                  """
                  SELECT count(*) FILTER (WHERE finished_at < :midnight) AS before_reset,
                         count(*) FILTER (WHERE finished_at >= :midnight) AS after_reset,
                         count(*) FILTER (WHERE state <> 'SUCCEEDED') AS not_succeeded,
                         count(*) FILTER (WHERE model_served <> :nb2) AS other_model,
                         (SELECT count(*) FROM attempts a WHERE a.batch_id = CAST(:b AS uuid)
                             AND a.decision LIKE '%parked until%') AS parked_by_429,
                         max(finished_at) AS last
                    FROM items WHERE batch_id = CAST(:b AS uuid)
                  """)
              .param("midnight", java.sql.Timestamp.from(midnight))
              .param("nb2", NB2)
              .param("b", id)
              .query()
              .singleRow();
      long dailyRefusals =
          List.of("DAILY_QUOTA", "RATE_LIMITED").stream()
              .mapToLong(k -> stats.model(NB2).outcome(k))
              .sum();
      System.out.printf("  items by state: %s in %.0f s%n", batch.path("counts"), seconds);
      System.out.printf(
          "  finished before the reset: %s, after: %s, on another model: %s, not succeeded: %s%n",
          timing.get("before_reset"),
          timing.get("after_reset"),
          timing.get("other_model"),
          timing.get("not_succeeded"));
      System.out.printf(
          "  simulator: %d calls to %s, %d answered 429 (%d recorded per-day); last item at %s"
              + " (reset %s)%n",
          stats.model(NB2).calls(),
          NB2,
          stats.model(NB2).rateLimited(),
          dailyRefusals,
          timing.get("last"),
          midnight);
      System.out.printf(
          "%n| %s | %d | %d/day | %s | %s | %s | %s | %s | %d |%n",
          Machine.describe(),
          items,
          perDay,
          reroute ? "reroute" : "park",
          batch.path("counts").path("SUCCEEDED").asText(),
          timing.get("not_succeeded"),
          timing.get("before_reset"),
          timing.get("after_reset"),
          timing.get("other_model"),
          stats.model(NB2).rateLimited());
    }
  }
}
