package io.catalogimage.local.bench;

import io.catalogimage.local.ApiClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** {@code ./pipeline bench <name>}: the benchmark harness; results go into docs/BENCHMARKS.md. */
public final class Benchmarks {

  private Benchmarks() {}

  public static int run(List<String> args) throws Exception {
    String name = args.isEmpty() ? "" : args.get(0);
    switch (name) {
      case "throughput" ->
          new ThroughputBenchmark(
                  intOption(args, "--items", 5000), !"memory".equals(option(args, "--s3", "disk")))
              .run();
      case "inflight" ->
          new InFlightBenchmark(
                  intOption(args, "--items", 600),
                  Duration.ofSeconds(intOption(args, "--latency-seconds", 20)))
              .run();
      case "intake" -> new IntakeBenchmark(intOption(args, "--rows", 100_000)).run();
      case "feed" ->
          new FeedBenchmark(
                  intOption(args, "--products", 1_000_000),
                  Double.parseDouble(option(args, "--changed", "0.01")))
              .run();
      case "status" ->
          new StatusQueryBenchmark(
                  intOption(args, "--batches", 100),
                  intOption(args, "--items-per-batch", 10_000),
                  intOption(args, "--clients", 8),
                  Duration.ofSeconds(intOption(args, "--seconds", 30)),
                  intOption(args, "--rate", 0))
              .run();
      case "budget" ->
          new BudgetUtilizationBenchmark(
                  intOption(args, "--items", 3000), intOption(args, "--per-minute", 1500))
              .run();
      case "hiddenquota" ->
          new HiddenQuotaBenchmark(
                  option(args, "--shape", "all"),
                  intOption(args, "--minutes", 9),
                  intOption(args, "--per-minute", 600),
                  intOption(args, "--hidden", 300),
                  Double.parseDouble(option(args, "--random-429", "0.04")),
                  !"off".equals(option(args, "--learning", "on")))
              .run();
      case "peakday" ->
          new PeakDayBenchmark(
                  intOption(args, "--items", 400), intOption(args, "--naive-threads", 16))
              .run();
      case "quota" ->
          new QuotaExhaustionBenchmark(
                  intOption(args, "--items", 400),
                  intOption(args, "--per-day", 200),
                  "reroute".equals(option(args, "--policy", "park")),
                  intOption(args, "--seconds-before-reset", 90))
              .run();
      case "fuzz" ->
          new FuzzBenchmark(intOption(args, "--cases", 10_000), intOption(args, "--seed", 20261205))
              .run();
      case "alttext" ->
          new AltTextBenchmark(
                  intOption(args, "--items", 500),
                  Double.parseDouble(option(args, "--bad-rate", "0.2")),
                  Double.parseDouble(option(args, "--time-scale", "0")))
              .run();
      case "payloads" ->
          new PayloadBenchmark(
                  List.of(option(args, "--parts", "throughput,inflight,burst").split(",")),
                  Map.of(
                      "1K", intOption(args, "--items-1k", 600),
                      "2K", intOption(args, "--items-2k", 200),
                      "4K", intOption(args, "--items-4k", 40)),
                  Duration.ofMinutes(intOption(args, "--warmup-minutes", 8)),
                  intOption(args, "--inflight-items", 5000),
                  Duration.ofSeconds(intOption(args, "--latency-seconds", 20)),
                  intOption(args, "--burst-items", 200),
                  args.contains("--live-set"))
              .run();
      case "faults" -> runFaults(args);
      case "editstorage" ->
          new EditStorageBenchmark(intOption(args, "--products", 50), intOption(args, "--edits", 2))
              .run();
      case "batchlane" ->
          new BatchLaneBenchmark(
                  intOption(args, "--items", 10_000),
                  Double.parseDouble(option(args, "--seconds-per-hour", "30")))
              .run();
      default -> {
        System.out.println(
            """
            usage: ./pipeline bench <name> [options]
              throughput  [--items 5000] [--s3 disk|memory]    end-to-end items/s at zero latency, beside raw S3 PUTs/s
              inflight    [--items 600] [--latency-seconds 20]  concurrent calls one worker holds, its CPU and heap
              intake      [--rows 100000]   NDJSON and CSV uploads: rows/s and peak heap (JAVA_OPTS=-Xmx512m)
              feed        [--products 1000000] [--changed 0.01]
                                                               a scheduled run over a feed with 1% changed: fetch, parse,
                                                               diff and queue the changed items (JAVA_OPTS=-Xmx512m)
              status      [--batches 100] [--items-per-batch 10000] [--clients 8] [--seconds 30] [--rate 0]
                                                               batch summary and item listing p50/p99 with 1M items
              budget      [--items 3000] [--per-minute 1500]   two worker processes sharing one model's budget
              alttext     [--items 500] [--bad-rate 0.2] [--time-scale 0]
                                                               alt text in 4 locales with 20% wrong answers: share of
                                                               items passing every check, caption cost, throughput
              hiddenquota [--shape constant|step|sawtooth|all] [--minutes 9] [--per-minute 600] [--hidden 300]
                          [--random-429 0.04] [--learning on|off]
                                                               a quota lower than configured, moving, not told
              peakday     [--items 400] [--naive-threads 16]   the pipeline vs the naive NB2-then-Pro loop at peak
              quota       [--items 400] [--per-day 200] [--policy park|reroute] [--seconds-before-reset 90]
                                                               the daily quota runs out mid-batch
              fuzz        [--cases 10000] [--seed 20261205]    hostile requests on every input surface:
                                                               counts of 5xx, partial batches, altered text
              batchlane   [--items 10000] [--seconds-per-hour 30]
                                                               the provider Batch APIs as a lane: cost per image
                                                               and deadline vs all real time, with and without
                                                               20% late jobs
              payloads    [--parts throughput,inflight,burst] [--items-1k 600] [--items-2k 200] [--items-4k 40] [--warmup-minutes 8]
                          [--inflight-items 5000] [--latency-seconds 20] [--burst-items 200] [--live-set]
                                                               real-size images (simulator: 1.5 bytes/pixel): items/s and
                                                               MB/s at 1K/2K/4K beside raw S3 PUTs of the same objects;
                                                               thousands in flight and a 4K burst at a -Xmx512m worker
              editstorage [--products 50] [--edits 2]     storage per image version (item_turns row and
                                                               objects) at 1K and 2K with real-size images
              faults      [--scenarios a,b,...] [--items 600] [--rows 100000] [--outage-seconds 30]
                          [--workers 3]    worker kill -9, api kill -9 during an upload, PostgreSQL,
                                           S3 and Kafka down, provider storms, the daily quota reset:
                                           nothing lost, nothing paid twice (docs/RELIABILITY.md)
            """);
        return name.isEmpty() ? 0 : 2;
      }
    }
    return 0;
  }

  private static void runFaults(List<String> args) throws Exception {
    FaultSuite.Settings full = FaultSuite.Settings.full();
    FaultSuite.Settings settings =
        new FaultSuite.Settings(
            intOption(args, "--workers", full.workerProcesses()),
            0,
            true,
            intOption(args, "--items", full.items()),
            intOption(args, "--rows", full.uploadRows()),
            Duration.ofSeconds(
                intOption(args, "--outage-seconds", (int) full.outage().toSeconds())),
            full.latency(),
            full.workerSettings(),
            full.within());
    List<String> scenarios =
        List.of(option(args, "--scenarios", String.join(",", FaultSuite.SCENARIOS)).split(","));
    System.out.println("Fault suite: " + scenarios + " on " + Machine.describe());
    try (FaultSuite suite = new FaultSuite(settings, System.out::println)) {
      suite.start(scenarios.contains("quota-reset"));
      List<FaultSuite.Outcome> outcomes = suite.run(scenarios);
      System.out.println();
      System.out.println("Machine: " + Machine.describe());
      System.out.println(FaultSuite.Outcome.header());
      outcomes.forEach(o -> System.out.println(o.row()));
      outcomes.forEach(o -> System.out.println("  " + o.scenario() + ": " + o.states()));
    }
  }

  /** Polls the batch until it is COMPLETED; returns its last view. */
  static JsonNode awaitCompleted(ApiClient api, String batchId) throws InterruptedException {
    while (true) {
      JsonNode batch = api.get("/v1/batches/" + batchId).body();
      if ("COMPLETED".equals(batch.path("state").asString())) {
        return batch;
      }
      Thread.sleep(200);
    }
  }

  static String option(List<String> args, String option, String fallback) {
    int at = args.indexOf(option);
    return at >= 0 && at + 1 < args.size() ? args.get(at + 1) : fallback;
  }

  static int intOption(List<String> args, String option, int fallback) {
    int at = args.indexOf(option);
    return at >= 0 && at + 1 < args.size() ? Integer.parseInt(args.get(at + 1)) : fallback;
  }
}
