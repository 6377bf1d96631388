package io.catalogimage.local.bench;

import io.catalogimage.local.ApiClient;
import io.catalogimage.local.LocalPipeline;
import io.catalogimage.local.WorkerProcess;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.StatsSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Issue 4, benchmark 1: two worker processes share one Nano Banana 2 budget of R requests/min.
 * Targets: completion within 1.05 x N/R; at most 0.5% of calls answered 429; no 60 s window above
 * R. The truth is the simulator's count, not the pipeline's.
 */
final class BudgetUtilizationBenchmark {

  static final String NB2 = "gemini-3.1-flash-image";

  private final int items;
  private final int perMinute;

  BudgetUtilizationBenchmark(int items, int perMinute) {
    this.items = items;
    this.perMinute = perMinute;
  }

  void run() throws Exception {
    double minimum = items * 60.0 / perMinute;
    System.out.printf(
        "Budget utilization: %d items, two worker processes sharing %s at %d requests/min"
            + " (theoretical minimum %.1f s)%n",
        items, NB2, perMinute, minimum);
    System.out.println("Machine: " + Machine.describe());
    SimulatorConfig sim =
        SimulatorConfig.defaults()
            .withoutPeak()
            .withTimeScale(0.1)
            .withQuota("default", NB2, perMinute, perMinute, 1_000_000);
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withWorkers(0)
                .withSimulator(sim)
                .withProperty("pipeline.budgets.models[" + NB2 + "].requests-per-minute", perMinute)
                .withProperty("pipeline.dispatch.batch-size", 1000),
            step -> System.out.println("  " + step + "..."))) {
      List<WorkerProcess> workers = new ArrayList<>();
      try {
        for (int w = 1; w <= 2; w++) {
          workers.add(
              WorkerProcess.start(
                  pipeline,
                  List.of("-Xmx512m"),
                  Map.of("pipeline.worker.id", "budget-bench-" + w),
                  Path.of("target", "bench-budget-worker-" + w + ".log")));
        }
        ApiClient api = pipeline.client();
        // warm-up: both workers up and consuming before the clock starts
        String warm =
            api.submit(BenchCatalog.listingOnly("warm-up", 20, "fast"))
                .body()
                .path("id")
                .asString();
        Benchmarks.awaitCompleted(api, warm);
        pipeline.simulator().resetStats();

        long start = System.nanoTime();
        String id =
            api.submit(BenchCatalog.listingOnly("budget", items, "fast"))
                .body()
                .path("id")
                .asString();
        JsonNode batch = Benchmarks.awaitCompleted(api, id);
        double seconds = (System.nanoTime() - start) / 1e9;

        StatsSnapshot.Counters nb2 = pipeline.simulator().stats().model(NB2);
        double share429 = nb2.calls() == 0 ? 0 : 100.0 * nb2.rateLimited() / nb2.calls();
        System.out.printf("  items by state: %s%n", batch.path("counts"));
        System.out.printf(
            "  completion: %.1f s = %.3f x the theoretical minimum (target <= 1.05)%n",
            seconds, seconds / minimum);
        System.out.printf(
            "  simulator: %d calls, %d answered 429 = %.2f%% (target <= 0.5%%)%n",
            nb2.calls(), nb2.rateLimited(), share429);
        System.out.printf(
            "  most accepted calls in any 60 s: %d (limit %d)%n",
            nb2.maxAcceptedIn60s(), perMinute);
        System.out.printf(
            "%n| %s | %d | %d/min | %.1f s | %.3f | %.2f%% | %d |%n",
            Machine.describe(),
            items,
            perMinute,
            seconds,
            seconds / minimum,
            share429,
            nb2.maxAcceptedIn60s());
      } finally {
        for (WorkerProcess w : workers) {
          w.close();
        }
      }
    }
  }
}
