package io.catalogimage.local;

import io.catalogimage.simulator.SimulatorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.databind.JsonNode;

/** {@code ./pipeline up}: the whole pipeline locally, kept running for curl and the browser. */
final class Up {

  private final int port;

  Up(List<String> args) {
    int p = 8080;
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--port") && i + 1 < args.size()) {
        p = Integer.parseInt(args.get(++i));
      }
    }
    this.port = p;
  }

  int run() throws InterruptedException {
    Path workDir = Path.of("").toAbsolutePath();
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicReference<LocalPipeline> running = new AtomicReference<>();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LocalPipeline p = running.getAndSet(null);
                  if (p != null) {
                    System.out.println("\nStopping everything...");
                    p.close();
                    System.out.println("Stopped.");
                  }
                  stopped.countDown();
                }));
    LocalPipeline pipeline;
    try {
      pipeline =
          LocalPipeline.start(
              LocalPipeline.Options.defaults()
                  .withS3Directory(workDir.resolve(".local/s3"))
                  .withApiPort(port)
                  // a few seconds per image instead of real life's 15-40, no peak hours: for trying
                  // the api by hand
                  .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0.2)),
              step -> System.out.println("  " + step + "..."),
              running::set);
    } catch (RuntimeException e) {
      if (stopped.getCount() == 0) {
        return 130; // Ctrl-C during start-up
      }
      throw e;
    }
    writeKey(workDir.resolve(".local/api-key"), pipeline.apiKey());
    // a merchant's feed on this machine and a nightly schedule over it, first firing in a minute
    Path feedDir = workDir.resolve(".local/feed");
    SampleSchedule.writeSampleFeed(feedDir);
    FeedServer feeds = FeedServer.serve(feedDir);
    JsonNode schedule =
        SampleSchedule.create(
            pipeline.client(), feeds, SampleSchedule.firstFiring(java.time.Instant.now()));
    System.out.printf(
        """

        The pipeline is up.
          api:        %s  (OpenAPI: %s/swagger-ui.html)
          API key:    %s  (also in .local/api-key: export KEY=$(cat .local/api-key))
          admin token %s  (for /v1/admin: tenants and keys)
          simulator:  %s  (stats: %s/sim/stats)
          logs:       %s
        Try: curl -X POST %s/v1/batches -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d @catalog.json
          sample schedule: %s, daily at %s UTC (first run at %s) over %s
          (edit .local/feed/catalog.csv, then POST /v1/schedules/<id>/run: only the changes are generated)
        Ctrl-C stops everything.
        %n""",
        pipeline.apiUri(),
        pipeline.apiUri(),
        pipeline.apiKey(),
        pipeline.adminToken(),
        pipeline.simulator().baseUri(),
        pipeline.simulator().baseUri(),
        workDir.resolve(".local/logs/pipeline.log"),
        pipeline.apiUri(),
        schedule.path("id").asString(),
        schedule.path("dailyAt").asString(),
        schedule.path("nextRunAt").asString(),
        feeds.url(SampleSchedule.FEED));
    stopped.await();
    return 0;
  }

  /** Leaves the run's API key where a shell can read it (owner-only where the file system can). */
  private static void writeKey(Path file, String key) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, key + System.lineSeparator());
      file.toFile().setReadable(false, false);
      file.toFile().setReadable(true, true);
    } catch (IOException e) {
      System.err.println("could not write " + file + ": " + e.getMessage());
    }
  }
}
