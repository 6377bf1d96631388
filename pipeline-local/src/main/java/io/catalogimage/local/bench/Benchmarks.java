package io.catalogimage.local.bench;

import java.time.Duration;
import java.util.List;

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
      default -> {
        System.out.println(
            """
            usage: ./pipeline bench <name> [options]
              throughput  [--items 5000] [--s3 disk|memory]    end-to-end items/s at zero latency, beside raw S3 PUTs/s
              inflight    [--items 600] [--latency-seconds 20]  concurrent calls one worker holds, its CPU and heap
            """);
        return name.isEmpty() ? 0 : 2;
      }
    }
    return 0;
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
