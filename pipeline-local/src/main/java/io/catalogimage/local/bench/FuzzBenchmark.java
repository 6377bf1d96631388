package io.catalogimage.local.bench;

import io.catalogimage.infra.LocalPostgres;
import io.catalogimage.local.LocalPipeline;
import io.catalogimage.local.fuzz.FuzzCases;
import io.catalogimage.local.fuzz.FuzzOracle;
import io.catalogimage.local.fuzz.FuzzRequest;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.engine.SourceOfRandomness;

/**
 * {@code ./pipeline bench fuzz}: the suite's fuzz properties at length. Starts PostgreSQL, S3 and
 * the api (no Kafka, no worker: intake and its answers are what is attacked), sends {@code --cases}
 * hostile requests round-robin over every input surface from a seeded generator, judges each
 * ({@link FuzzOracle}) and reports counts by surface and status: the 5xx, the requests that had to
 * be refused and were not, the partial batches and the texts stored altered, all of which must be
 * 0. The report goes to out/fuzz-report.md (and docs/RELIABILITY.md records a run).
 */
final class FuzzBenchmark {

  private final int cases;
  private final long seed;

  FuzzBenchmark(int cases, long seed) {
    this.cases = cases;
    this.seed = seed;
  }

  void run() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    LocalPipeline.Options options =
        LocalPipeline.Options.defaults()
            .withWorkers(0)
            .withKafkaDown(closedPort)
            // thousands of failed authentications from one address are the point here
            .withProperty("pipeline.security.failed-auth-per-minute", 100_000_000)
            .withProperty("pipeline.security.failed-auth-per-key-per-minute", 100_000_000);
    System.out.println("Starting PostgreSQL, S3 and the api (no Kafka, no worker)...");
    try (LocalPipeline pipeline =
            LocalPipeline.start(options, step -> System.out.println("  " + step));
        FuzzOracle oracle =
            new FuzzOracle(
                pipeline.apiUri().getPort(),
                pipeline.jdbcUrl(),
                LocalPostgres.USER,
                LocalPostgres.PASSWORD)) {
      FuzzCases generators = new FuzzCases(pipeline.apiKey());
      // outside the jqwik engine: sample streams, drawing from jqwik's seeded source of randomness
      SourceOfRandomness.create(String.valueOf(seed));
      List<Iterator<FuzzRequest>> surfaces = new ArrayList<>();
      for (String surface : FuzzCases.SURFACES) {
        surfaces.add(generators.surface(surface).sampleStream().iterator());
      }
      Map<String, Map<String, Integer>> byStatus = new TreeMap<>();
      Map<String, Integer> broken = new TreeMap<>();
      List<String> examples = new ArrayList<>();
      int serverErrors = 0;
      long started = System.nanoTime();
      for (int i = 0; i < cases; i++) {
        FuzzRequest request = surfaces.get(i % surfaces.size()).next();
        FuzzOracle.Verdict v = oracle.judge(request);
        String statusClass = v.status() / 100 + "xx";
        byStatus
            .computeIfAbsent(request.surface(), s -> new TreeMap<>())
            .merge(
                v.status() == 202 || v.status() == 200 ? "2xx" : String.valueOf(v.status()),
                1,
                Integer::sum);
        if (statusClass.equals("5xx")) {
          serverErrors++;
        }
        for (String b : v.broken()) {
          String kind = b.contains(":") ? b.substring(0, b.indexOf(':')) : b;
          broken.merge(
              request.surface() + ": " + kind.replaceAll("[0-9a-f-]{36}", "<batch>"),
              1,
              Integer::sum);
          if (examples.size() < 20) {
            examples.add(b + "\n    request: " + request);
          }
        }
        if ((i + 1) % 1000 == 0) {
          System.out.printf(
              "  %,d cases, %d broken so far%n",
              i + 1, broken.values().stream().mapToInt(x -> x).sum());
        }
      }
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      long partial = oracle.partialBatches();
      StringBuilder report = new StringBuilder();
      report.append(String.format("### Fuzz run, %s%n%n", LocalDate.now()));
      report.append(
          String.format(
              "`./pipeline bench fuzz --cases %d --seed %d` on %s: %,d requests in %.0f s.%n%n",
              cases, seed, Machine.describe(), cases, took.toMillis() / 1000.0));
      report.append("| surface | answers by status |\n|---|---|\n");
      byStatus.forEach(
          (s, counts) ->
              report
                  .append("| ")
                  .append(s)
                  .append(" | ")
                  .append(counts.toString().replace("{", "").replace("}", ""))
                  .append(" |\n"));
      report.append(
          String.format(
              "%n| check | count |%n|---|---|%n| 5xx answers | %d |%n| partial batches | %d |%n| rules broken (all kinds) | %d |%n",
              serverErrors, partial, broken.values().stream().mapToInt(x -> x).sum()));
      broken.forEach(
          (k, n) -> report.append("| ").append(k).append(" | ").append(n).append(" |\n"));
      System.out.println();
      System.out.println(report);
      examples.forEach(e -> System.out.println("  " + e));
      Path out = Path.of("out", "fuzz-report.md");
      Files.createDirectories(out.getParent());
      Files.writeString(out, report + String.join("\n", examples) + "\n");
      System.out.println("Report written to " + out.toAbsolutePath());
      if (serverErrors > 0 || partial > 0 || !broken.isEmpty()) {
        throw new IllegalStateException("the api broke its rules; see above");
      }
    }
  }
}
