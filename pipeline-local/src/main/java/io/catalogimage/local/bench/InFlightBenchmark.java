package io.catalogimage.local.bench;

import io.catalogimage.local.ApiClient;
import io.catalogimage.local.LocalPipeline;
import io.catalogimage.local.WorkerProcess;
import io.catalogimage.simulator.SimulatorConfig;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Issue 2, benchmark 2: with 20 s simulated latency, how many concurrent calls one worker process
 * (heap capped at 512 MB) holds, and what it costs in CPU and heap.
 */
final class InFlightBenchmark {

  private final int items;
  private final Duration latency;

  InFlightBenchmark(int items, Duration latency) {
    this.items = items;
    this.latency = latency;
  }

  void run() throws Exception {
    System.out.printf(
        "In-flight benchmark: %d items, simulated latency %s, one worker process with -Xmx512m%n",
        items, latency);
    System.out.println("Machine: " + Machine.describe());
    int workerPort;
    try (ServerSocket s = new ServerSocket(0)) {
      workerPort = s.getLocalPort();
    }
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withWorkers(0)
                .withSimulator(SimulatorConfig.defaults().withoutPeak().withFixedLatency(latency))
                .withProperty("pipeline.dispatch.batch-size", 1000),
            step -> System.out.println("  " + step + "..."))) {
      try (WorkerProcess worker =
          WorkerProcess.start(
              pipeline,
              List.of("-Xmx512m"),
              Map.of(
                  "server.port",
                  workerPort,
                  "pipeline.worker.max-in-flight",
                  items,
                  "pipeline.worker.id",
                  "bench"),
              Path.of("target", "bench-inflight-worker.log"))) {
        WorkerActuator actuator = new WorkerActuator(workerPort, pipeline.adminToken());
        actuator.awaitUp(
            Duration.ofSeconds(600),
            worker::isAlive,
            Path.of("target", "bench-inflight-worker.log"));
        ApiClient api = pipeline.client();
        double cpuBefore = Machine.cpuSeconds(worker.pid());
        long start = System.nanoTime();
        String id =
            api.submit(BenchCatalog.listingOnly("inflight", items, "fast"))
                .body()
                .path("id")
                .asString();
        double peakInFlight = 0;
        double peakHeapMb = 0;
        while (true) {
          peakInFlight = Math.max(peakInFlight, actuator.metric("pipeline.worker.in_flight", ""));
          peakHeapMb =
              Math.max(
                  peakHeapMb, actuator.metric("jvm.memory.used", "?tag=area:heap") / (1024 * 1024));
          if ("COMPLETED".equals(api.get("/v1/batches/" + id).body().path("state").asString())) {
            break;
          }
          Thread.sleep(250);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double cpu = Machine.cpuSeconds(worker.pid()) - cpuBefore;
        long simulatorPeak = pipeline.simulator().stats().totals().maxCallsIn60s();
        System.out.printf("  peak calls in flight (worker gauge): %.0f%n", peakInFlight);
        System.out.printf("  calls the simulator received within 60 s: %d%n", simulatorPeak);
        System.out.printf("  worker heap peak: %.0f MB (limit 512 MB)%n", peakHeapMb);
        System.out.printf(
            "  worker CPU: %.1f s over %.1f s wall = %.1f%% of one core%n",
            cpu, wall, 100 * cpu / wall);
        System.out.printf(
            "%n| %s | %d | %s | %.0f | %.0f MB | %.1f%% |%n",
            Machine.describe(), items, latency, peakInFlight, peakHeapMb, 100 * cpu / wall);
      }
    }
  }
}
