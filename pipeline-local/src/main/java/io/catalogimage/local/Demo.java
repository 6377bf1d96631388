package io.catalogimage.local;

import io.catalogimage.common.storage.ObjectKeys;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.fault.FaultKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./pipeline demo}: starts everything locally, submits the bundled sample catalog, shows
 * progress, prints a summary and leaves the images and their alt text under {@code out/}.
 */
final class Demo {

  private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(15);

  private final PrintStream out = System.out;
  private final boolean tty = System.console() != null;

  int run() throws InterruptedException {
    Path workDir = Path.of("").toAbsolutePath();
    long startedAt = System.nanoTime();
    out.println(
        "Catalog image pipeline - local demo (no Docker, no API key: a provider simulator stands in)");
    out.println("Logs: " + workDir.resolve(".local/logs/pipeline.log"));
    AtomicReference<LocalPipeline> running = new AtomicReference<>();
    AtomicBoolean stopping = new AtomicBoolean();
    Thread stopper =
        new Thread(
            () -> {
              stopping.set(true);
              LocalPipeline p = running.getAndSet(null);
              if (p != null) {
                out.println();
                out.println("Stopping everything...");
                p.close();
                out.println("Stopped.");
              }
            },
            "demo-shutdown");
    Runtime.getRuntime().addShutdownHook(stopper);
    LocalPipeline.Options options =
        LocalPipeline.Options.defaults()
            .withS3Directory(workDir.resolve(".local/s3"))
            .withSimulator(demoSimulator());
    try {
      return submitAndFollow(options, running, stopper, startedAt);
    } catch (RuntimeException e) {
      if (stopping.get()) {
        return 130; // Ctrl-C: the shutdown hook stops everything; the half-done run is not an error
      }
      throw e;
    }
  }

  private int submitAndFollow(
      LocalPipeline.Options options,
      AtomicReference<LocalPipeline> running,
      Thread stopper,
      long startedAt)
      throws InterruptedException {
    Path results = Path.of("").toAbsolutePath().resolve("out");
    LocalPipeline pipeline =
        LocalPipeline.start(options, step -> out.println("  " + step + "..."), running::set);
    out.printf("Ready in %.1f s: api at %s%n%n", seconds(startedAt), pipeline.apiUri());

    ApiClient api = pipeline.client();
    ApiClient.Answer accepted = api.submit(sampleCatalog());
    if (accepted.status() != 202) {
      out.println(
          "The api refused the sample catalog: " + accepted.status() + " " + accepted.body());
      return 1;
    }
    String batchId = accepted.body().path("id").asString();
    out.printf(
        "Submitted %d products x 2 variants = %d items as batch %s (202 Accepted)%n",
        accepted.body().path("productCount").asInt(),
        accepted.body().path("itemCount").asInt(),
        batchId);
    long submittedAt = System.nanoTime();
    JsonNode batch = follow(api, batchId, submittedAt);
    double wall = seconds(submittedAt);
    if (tty) {
      out.println();
    }
    summary(batch, wall);
    Path batchDir = results.resolve(batchId);
    int exported = export(api, batchId, batchDir);
    out.printf("%nImages and alt text (%d items): %s%n", exported, batchDir);
    out.println(
        "  each item: <sku>/<variant>.png and <sku>/<variant>.json (alt text per locale, caption, model, cost)");
    Runtime.getRuntime().removeShutdownHook(stopper);
    running.set(null);
    out.println("Stopping everything...");
    pipeline.close();
    out.println("Done.");
    return 0;
  }

  /** Scaled-down real latencies and a few transient faults, so retries show in the ledger. */
  private static SimulatorConfig demoSimulator() {
    return SimulatorConfig.defaults()
        .withoutPeak()
        .withTimeScale(0.2)
        .withFaultRate(FaultKind.HTTP_503, 0.03)
        .withFaultRate(FaultKind.RATE_LIMITED, 0.02);
  }

  private JsonNode follow(ApiClient api, String batchId, long since) throws InterruptedException {
    JsonNode batch;
    String last = "";
    while (true) {
      batch = api.get("/v1/batches/" + batchId).body();
      String line = progressLine(batch, seconds(since));
      if (tty) {
        out.print("\r" + line + "   ");
      } else if (!line.equals(last)) {
        out.println(line);
      }
      last = line;
      if ("COMPLETED".equals(batch.path("state").asString())) {
        return batch;
      }
      if (seconds(since) > GIVE_UP_AFTER.toSeconds()) {
        throw new IllegalStateException("the batch did not finish within " + GIVE_UP_AFTER);
      }
      Thread.sleep(1000);
    }
  }

  private static String progressLine(JsonNode batch, double elapsed) {
    StringBuilder line = new StringBuilder();
    line.append(
        String.format(
            "[%5.1f s] %5.1f%% done", elapsed, batch.path("progress").path("percent").asDouble()));
    for (var e : batch.path("counts").properties()) {
      if (e.getValue().asLong() > 0) {
        line.append("  ").append(e.getKey()).append(' ').append(e.getValue().asLong());
      }
    }
    line.append(String.format("  $%.2f", batch.path("costUsd").asDouble()));
    return line.toString();
  }

  private void summary(JsonNode batch, double wall) {
    out.printf("%nBatch %s finished in %.1f s%n", batch.path("id").asString(), wall);
    out.println("  Items by state:");
    for (var e : batch.path("counts").properties()) {
      if (e.getValue().asLong() > 0) {
        out.printf("    %-12s %5d%n", e.getKey(), e.getValue().asLong());
      }
    }
    out.println("  Cost by model (calls / images / USD):");
    BigDecimal total = BigDecimal.ZERO;
    for (var e : batch.path("costByModel").properties()) {
      JsonNode u = e.getValue();
      BigDecimal cost = u.path("costUsd").decimalValue();
      total = total.add(cost);
      out.printf(
          "    %-26s %5d %5d  $%8.4f%n",
          e.getKey(), u.path("calls").asLong(), u.path("images").asLong(), cost);
    }
    out.printf("    %-26s %17s$%8.4f%n", "total", "", total);
  }

  /** Downloads every succeeded item through the api's presigned URLs. */
  private int export(ApiClient api, String batchId, Path dir) {
    int exported = 0;
    String next = "/v1/batches/" + batchId + "/items?state=SUCCEEDED&limit=200";
    List<String> failures = new ArrayList<>();
    while (next != null) {
      JsonNode page = api.get(next).body();
      for (JsonNode item : page.path("items")) {
        JsonNode detail = api.get(item.path("links").path("self").asString()).body();
        JsonNode result = detail.path("result");
        Path base = dir.resolve(ObjectKeys.segment(detail.path("sku").asString()));
        String variant = ObjectKeys.segment(detail.path("variant").asString());
        try {
          api.download(
              URI.create(result.path("imageUrl").asString()), base.resolve(variant + ".png"));
          api.download(
              URI.create(result.path("sidecarUrl").asString()), base.resolve(variant + ".json"));
          exported++;
        } catch (RuntimeException e) {
          failures.add(detail.path("sku").asString() + "/" + variant + ": " + e.getMessage());
        }
      }
      JsonNode nextLink = page.path("links").path("next");
      next = nextLink.isMissingNode() || nextLink.isNull() ? null : nextLink.asString();
    }
    failures.forEach(f -> out.println("  could not export " + f));
    return exported;
  }

  private static byte[] sampleCatalog() {
    try (InputStream in = Demo.class.getResourceAsStream("/sample-catalog.json")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }
}
