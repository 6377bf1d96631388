package io.catalogimage.local;

import io.catalogimage.simulator.SimulatorConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./pipeline demo schedule}: a nightly schedule over the bundled sample feed, served from
 * this machine as a shop's export URL. Its first firing comes a minute after start and generates
 * the whole catalog; then the feed changes (three products renamed, two new, one gone, every price
 * changed) and a second run generates only the changed and new products, reusing the rest. The run
 * manifests (the whole catalog, line by line) land under {@code out/}.
 */
final class ScheduleDemo {

  private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(15);

  private final PrintStream out = System.out;

  int run() throws InterruptedException, IOException {
    Path workDir = Path.of("").toAbsolutePath();
    out.println("Catalog image pipeline - scheduled runs from a merchant's feed (local demo)");
    out.println("Logs: " + workDir.resolve(".local/logs/pipeline.log"));
    AtomicReference<LocalPipeline> running = new AtomicReference<>();
    Thread stopper =
        new Thread(
            () -> {
              LocalPipeline p = running.getAndSet(null);
              if (p != null) {
                out.println("\nStopping everything...");
                p.close();
              }
            },
            "demo-shutdown");
    Runtime.getRuntime().addShutdownHook(stopper);
    Path feedDir = workDir.resolve(".local/feed");
    Path feed = SampleSchedule.writeSampleFeed(feedDir);
    try (FeedServer feeds = FeedServer.serve(feedDir)) {
      LocalPipeline pipeline =
          LocalPipeline.start(
              LocalPipeline.Options.defaults()
                  .withS3Directory(workDir.resolve(".local/s3"))
                  .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0.2)),
              step -> out.println("  " + step + "..."),
              running::set);
      ApiClient api = pipeline.client();
      ZonedDateTime firing = SampleSchedule.firstFiring(Instant.now());
      JsonNode schedule = SampleSchedule.create(api, feeds, firing);
      String id = schedule.path("id").asString();
      out.printf(
          "%nSchedule %s: daily at %s UTC, ready by %s, feed %s (%d products)%n",
          id,
          schedule.path("dailyAt").asString(),
          schedule.path("deadline").asString(),
          feeds.url(SampleSchedule.FEED),
          Files.readAllLines(feed).size() - 1);
      out.printf("Waiting for its first firing at %s...%n", schedule.path("nextRunAt").asString());
      JsonNode first = follow(api, id, awaitFirstRun(api, id));
      report(api, id, first, workDir);

      SampleSchedule.changeFeed(feed);
      out.println(
          "\nThe feed changed: 3 products renamed, 2 new, 1 gone, every price changed (no prompt"
              + " reads prices). Running the schedule now (POST .../run):");
      ApiClient.Answer now = api.post("/v1/schedules/" + id + "/run");
      JsonNode second = follow(api, id, now.body().path("id").asString());
      report(api, id, second, workDir);

      Runtime.getRuntime().removeShutdownHook(stopper);
      running.set(null);
      out.println("\nStopping everything...");
      pipeline.close();
      out.println("Done.");
      return 0;
    }
  }

  private String awaitFirstRun(ApiClient api, String schedule) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < until) {
      JsonNode last = api.get("/v1/schedules/" + schedule).body().path("lastRun");
      if (!last.isMissingNode() && !last.isNull()) {
        return last.path("id").asString();
      }
      Thread.sleep(1000);
    }
    throw new IllegalStateException("the schedule did not fire within three minutes");
  }

  private JsonNode follow(ApiClient api, String schedule, String run) throws InterruptedException {
    long since = System.nanoTime();
    String last = "";
    while (true) {
      JsonNode r = api.get("/v1/schedules/" + schedule + "/runs/" + run).body();
      String state = r.path("state").asString();
      String line = "  run " + run + ": " + state;
      if (!r.path("batchId").isNull() && state.equals("GENERATING")) {
        JsonNode batch = api.get("/v1/batches/" + r.path("batchId").asString()).body();
        line +=
            String.format(
                " - batch %.0f%% done", batch.path("progress").path("percent").asDouble());
      }
      if (!line.equals(last)) {
        out.println(line);
        last = line;
      }
      if (!state.equals("FETCHING") && !state.equals("GENERATING") && !state.equals("QUEUED")) {
        return r;
      }
      if (System.nanoTime() - since > GIVE_UP_AFTER.toNanos()) {
        throw new IllegalStateException("the run did not finish within " + GIVE_UP_AFTER);
      }
      Thread.sleep(1000);
    }
  }

  private void report(ApiClient api, String schedule, JsonNode run, Path workDir) {
    JsonNode p = run.path("products");
    JsonNode c = run.path("counts");
    out.printf(
        "Run %s %s (%s): %d products in the feed - %d new, %d changed, %d unchanged, %d removed%n",
        run.path("id").asString(),
        run.path("state").asString(),
        run.path("trigger").asString(),
        p.path("inFeed").asLong(),
        p.path("new").asLong(),
        p.path("changed").asLong(),
        p.path("unchanged").asLong(),
        p.path("removed").asLong());
    out.printf(
        "  images (product x variant): %d generated, %d reused, %d removed, %d failed; cost $%.4f;"
            + " deadline met: %s%n",
        c.path("generated").asLong(),
        c.path("reused").asLong(),
        c.path("removed").asLong(),
        c.path("failed").asLong(),
        run.path("costUsd").asDouble(),
        run.path("deadlineMet").asString("-"));
    if (!run.path("links").path("manifest").isMissingNode()) {
      Path target = workDir.resolve("out/runs/" + run.path("id").asString() + "/manifest.jsonl");
      api.download(api.redirect(run.path("links").path("manifest").asString()), target);
      Map<String, Integer> byStatus = new TreeMap<>();
      try {
        for (String line : Files.readAllLines(target)) {
          String status = line.replaceAll(".*\"status\":\"([a-z]+)\".*", "$1");
          byStatus.merge(status, 1, Integer::sum);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.printf("  manifest (the whole catalog): %s lines %s%n", target, byStatus);
    }
  }
}
