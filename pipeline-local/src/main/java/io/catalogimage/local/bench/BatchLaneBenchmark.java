package io.catalogimage.local.bench;

import io.catalogimage.local.ApiClient;
import io.catalogimage.local.LocalPipeline;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.BatchSettings;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Issue 16: the batch lane against all real time. The same catalog three times on one local stack:
 * all real time (lane interactive); the batch lane with a deadline 8 hours out and a provider
 * turnaround of 1-6 hours; the same with 20% of the jobs taking 30 hours (past the deadline: they
 * must fall back). Time is compressed: one simulated hour is {@code --seconds-per-hour} real
 * seconds, for the provider (the simulator's time scale) and the pipeline (deadline, reserve,
 * polling) alike. Targets: cost per image <= 0.55x real time, every item by the deadline, none
 * lost; with the late jobs still every item by the deadline at a cost between the two.
 */
final class BatchLaneBenchmark {

  private static final String NB2 = "gemini-3.1-flash-image";

  private final int items;
  private final double secondsPerHour;

  BatchLaneBenchmark(int items, double secondsPerHour) {
    this.items = items;
    this.secondsPerHour = secondsPerHour;
  }

  private Duration hours(double h) {
    return Duration.ofMillis(Math.round(h * secondsPerHour * 1000));
  }

  record Run(
      String name,
      long succeeded,
      long notSucceeded,
      BigDecimal costPerImage,
      Instant deadline,
      Instant last,
      double seconds,
      long jobs,
      long fellBack,
      long late) {}

  void run() throws Exception {
    double timeScale = secondsPerHour / 3600.0;
    System.out.printf(
        "Batch lane: %d items, deadline 8 h, turnaround 1-6 h; 1 simulated hour = %.1f s%n",
        items, secondsPerHour);
    System.out.println("Machine: " + Machine.describe());
    SimulatorConfig sim =
        SimulatorConfig.defaults()
            .withoutPeak()
            .withTimeScale(timeScale)
            .withDefaultQuota(1_000_000, 1_000_000, 100_000_000)
            .withBatch(batch(0));
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(sim)
                .withProperty("pipeline.budgets.models[" + NB2 + "].requests-per-minute", 60_000)
                .withProperty("pipeline.batch-lane.pack-every", "1s")
                .withProperty("pipeline.batch-lane.poll-every", "1s")
                .withProperty("pipeline.batch-lane.max-lines-per-job", 250)
                .withProperty("pipeline.batch-lane.job-lease", "30s")
                .withProperty("pipeline.batch-lane.fallback-reserve", hours(2).toString())
                .withProperty("pipeline.batch-choice.real-time-reserve", hours(2).toString())
                .withProperty("pipeline.batch-choice.margin", "1s"),
            step -> System.out.println("  " + step + "..."))) {
      ApiClient api = pipeline.client();
      JdbcClient jdbc = pipeline.api().getBean(JdbcClient.class);
      Run realTime = run(api, jdbc, "real time", "\"lane\": \"interactive\"", null);
      Run batchLane = run(api, jdbc, "batch lane", "\"lane\": \"batch\"", hours(8));
      pipeline.simulator().reconfigure(pipeline.simulator().config().withBatch(batch(0.2)));
      Run lateJobs = run(api, jdbc, "batch lane, 20% late", "\"lane\": \"batch\"", hours(8));
      System.out.println();
      System.out.println(
          "| run | items | succeeded | not succeeded | cost per image | vs real time | deadline met"
              + " | provider jobs | fell back | late results discarded | wall time |");
      System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
      for (Run r : new Run[] {realTime, batchLane, lateJobs}) {
        System.out.printf(
            "| %s | %d | %d | %d | $%s | %.2fx | %s | %d | %d | %d | %.0f s |%n",
            r.name(),
            items,
            r.succeeded(),
            r.notSucceeded(),
            r.costPerImage().toPlainString(),
            r.costPerImage().doubleValue() / realTime.costPerImage().doubleValue(),
            r.deadline() == null
                ? "-"
                : (r.last().isBefore(r.deadline())
                    ? "yes (" + Duration.between(r.last(), r.deadline()).toSeconds() + " s early)"
                    : "NO"),
            r.jobs(),
            r.fellBack(),
            r.late(),
            r.seconds());
      }
    }
  }

  /** Turnaround 1-6 h; a share of the jobs takes 30 h (past the 8 h deadline). */
  private static BatchSettings batch(double lateShare) {
    return BatchSettings.standard()
        .withTurnaround(Duration.ofHours(1), Duration.ofHours(6))
        .withTail(lateShare, Duration.ofHours(30))
        .withLineFailureRate(0.005);
  }

  private Run run(ApiClient api, JdbcClient jdbc, String name, String lane, Duration deadlineIn)
      throws Exception {
    Instant deadline = deadlineIn == null ? null : Instant.now().plus(deadlineIn);
    String catalog =
        new String(BenchCatalog.listingOnly(name, items, "fast"), StandardCharsets.UTF_8);
    String options =
        lane + (deadline == null ? "" : ", \"deadline\": \"" + deadline + "\"") + ", \"tier\"";
    byte[] body = catalog.replaceFirst("\"tier\"", options).getBytes(StandardCharsets.UTF_8);
    long t0 = System.nanoTime();
    ApiClient.Answer answer = api.submit(body);
    if (answer.status() != 202) {
      throw new IllegalStateException("submit refused: " + answer.body());
    }
    String id = answer.body().path("id").asString();
    JsonNode done = Benchmarks.awaitCompleted(api, id);
    double seconds = (System.nanoTime() - t0) / 1e9;
    Map<String, Object> row =
        jdbc.sql(
                """
                SELECT count(*) FILTER (WHERE state = 'SUCCEEDED') AS ok,
                       count(*) FILTER (WHERE state <> 'SUCCEEDED') AS bad,
                       round(sum(cost_usd) / count(*), 6) AS per_image,
                       max(finished_at) AS last,
                       (SELECT count(DISTINCT pi.job_id) FROM provider_job_items pi
                          JOIN items x ON x.item_id = pi.item_id
                         WHERE x.batch_id = CAST(:b AS uuid)) AS jobs,
                       -- a line that fell back and then came back anyway is LATE_DISCARDED
                       (SELECT count(*) FROM attempts a WHERE a.batch_id = CAST(:b AS uuid)
                           AND a.outcome IN ('FELL_BACK', 'LATE_DISCARDED')) AS fell_back,
                       (SELECT count(*) FROM attempts a WHERE a.batch_id = CAST(:b AS uuid)
                           AND a.outcome = 'LATE_DISCARDED') AS late
                  FROM items WHERE batch_id = CAST(:b AS uuid)
                """)
            .param("b", id)
            .query()
            .singleRow();
    Run r =
        new Run(
            name,
            ((Number) row.get("ok")).longValue(),
            ((Number) row.get("bad")).longValue(),
            (BigDecimal) row.get("per_image"),
            deadline,
            ((java.sql.Timestamp) row.get("last")).toInstant(),
            seconds,
            ((Number) row.get("jobs")).longValue(),
            ((Number) row.get("fell_back")).longValue(),
            ((Number) row.get("late")).longValue());
    System.out.printf(
        "  %s: %s in %.0f s, $%s per image, %d provider jobs, %d fell back, %d late%n",
        name, done.path("counts"), seconds, r.costPerImage(), r.jobs(), r.fellBack(), r.late());
    return r;
  }
}
