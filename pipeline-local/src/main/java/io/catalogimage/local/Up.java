package io.catalogimage.local;

import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.local.config.KnownProperties;
import io.catalogimage.local.config.LocalConfigFile;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.worker.provider.Providers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./pipeline up}: the whole pipeline locally, kept running for curl, the command-line client
 * and the browser. With {@code --config pipeline.yml} both apps read that file too; when it names
 * provider endpoints they are used and the simulator is not started.
 */
final class Up {

  static final String USAGE =
      """
      usage: ./pipeline up [--port N] [--config FILE]
        --port N       the api's port (default 8080; 0 for any free port)
        --config FILE  settings for both apps (YAML or .properties): provider endpoints with keys from
                       the environment, budgets, tiers... (see examples/pipeline.yml). When it names
                       endpoints, they are called instead of the simulator.
      """;

  private final int port;
  private final Path config;
  private final String usageError;
  private final PrintStream out = System.out;

  Up(List<String> args) {
    int p = 8080;
    Path c = null;
    String error = null;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      boolean hasValue = i + 1 < args.size();
      if (arg.equals("--port") && hasValue) {
        p = Integer.parseInt(args.get(++i));
      } else if (arg.equals("--config") && hasValue) {
        c = Path.of(args.get(++i));
      } else if (arg.startsWith("--config=")) {
        c = Path.of(arg.substring("--config=".length()));
      } else if (arg.startsWith("--port=")) {
        p = Integer.parseInt(arg.substring("--port=".length()));
      } else {
        error = "unknown option or missing value: " + arg;
        break;
      }
    }
    this.port = p;
    this.config = c;
    this.usageError = error;
  }

  int run() throws InterruptedException {
    if (usageError != null) {
      System.err.println("error: " + usageError);
      System.err.print(USAGE);
      return 2;
    }
    Path workDir = Path.of("").toAbsolutePath();
    LocalPipeline.Options options =
        LocalPipeline.Options.defaults()
            .withS3Directory(workDir.resolve(".local/s3"))
            .withApiPort(port)
            // a few seconds per image instead of real life's 15-40, no peak hours: for trying the
            // api by hand
            .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0.2));
    if (config != null) {
      LocalConfigFile file;
      try {
        file = LocalConfigFile.load(config);
        file.validate();
      } catch (IllegalArgumentException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      }
      if (!describe(file)) {
        return 2;
      }
      options =
          options.withProperty(
              "spring.config.additional-location", "file:" + file.path().toString());
      if (file.namesEndpoints()) {
        options = options.withSimulator(null);
      }
    }
    return start(workDir, options);
  }

  /**
   * Says what the file configures before anything starts: the endpoints that will be called (and
   * those left out for want of a key), tiers and budgets, settings neither app knows, settings the
   * local mode overrides. False when no endpoint could be called.
   */
  private boolean describe(LocalConfigFile file) {
    out.println("Configuration: " + file.path());
    for (String unknown : file.unknownSettings(KnownProperties.of(KnownProperties.App.values()))) {
      out.println("  WARNING: '" + unknown + "' is no setting of the api or the worker (ignored)");
    }
    for (String ignored : file.ignoredInLocalMode()) {
      out.println("  note: '" + ignored + "' is set by the local mode itself (ignored here)");
    }
    if (!file.namesEndpoints()) {
      out.println("  provider endpoints: none named: the provider simulator stands in");
    } else {
      out.println("  provider endpoints (called for real; the simulator is not started):");
      List<LocalConfigFile.EndpointSummary> endpoints =
          file.endpointSummaries(ModelCatalog.defaults());
      endpoints.forEach(e -> out.println("    " + e.describe()));
      if (endpoints.stream().noneMatch(LocalConfigFile.EndpointSummary::hasKey)) {
        System.err.println(
            "error: no endpoint of "
                + file.path().getFileName()
                + " has an API key: export the variables its api-key settings name (e.g."
                + " GEMINI_API_KEY) and start again");
        return false;
      }
      for (String tier : file.tiersWithoutEndpoints(ModelCatalog.defaults())) {
        out.println(
            "  WARNING: no endpoint with a key serves the models of "
                + tier
                + " (a batch on that tier would wait for one)");
      }
    }
    out.println("  tiers: " + String.join("; ", file.tierSummaries()));
    List<String> budgets = file.budgetSummaries();
    out.println(
        "  budgets: "
            + (budgets.isEmpty()
                ? "none configured (calls are paced only by the provider's 429s)"
                : String.join("; ", budgets)));
    return true;
  }

  private int start(Path workDir, LocalPipeline.Options options) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicReference<LocalPipeline> running = new AtomicReference<>();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LocalPipeline p = running.getAndSet(null);
                  if (p != null) {
                    out.println("\nStopping everything...");
                    p.close();
                    out.println("Stopped.");
                  }
                  stopped.countDown();
                }));
    LocalPipeline pipeline;
    try {
      pipeline =
          LocalPipeline.start(options, step -> out.println("  " + step + "..."), running::set);
    } catch (RuntimeException e) {
      if (stopped.getCount() == 0) {
        return 130; // Ctrl-C during start-up
      }
      throw e;
    }
    // read by the command-line client when PIPELINE_URL and PIPELINE_API_KEY are not set
    writeLocal(workDir.resolve(".local/api-key"), pipeline.apiKey());
    writeLocal(workDir.resolve(".local/api-url"), pipeline.apiUri().toString());
    String providers =
        pipeline.simulator() != null
            ? String.format(
                "simulator:  %s  (stats: %s/sim/stats)",
                pipeline.simulator().baseUri(), pipeline.simulator().baseUri())
            : "providers:  the endpoints of " + config.getFileName() + " (listed above)";
    out.printf(
        """

        The pipeline is up.
          api:        %s  (OpenAPI: %s/swagger-ui.html)
          API key:    %s  (also in .local/api-key: export KEY=$(cat .local/api-key))
          admin token %s  (for /v1/admin: tenants and keys)
          %s
          logs:       %s
        Try: ./pipeline submit examples/catalog.csv --preset marketplace --watch
          or curl -X POST %s/v1/batches -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d @catalog.json
        """,
        pipeline.apiUri(),
        pipeline.apiUri(),
        pipeline.apiKey(),
        pipeline.adminToken(),
        providers,
        workDir.resolve(".local/logs/pipeline.log"),
        pipeline.apiUri());
    reportKeyCheck(pipeline);
    if (pipeline.simulator() != null) {
      // a merchant's feed on this machine and a nightly schedule over it, first firing in a minute;
      // only on the simulator: on real endpoints it would spend the merchant's money unasked
      Path feedDir = workDir.resolve(".local/feed");
      SampleSchedule.writeSampleFeed(feedDir);
      FeedServer feeds = FeedServer.serve(feedDir);
      JsonNode schedule =
          SampleSchedule.create(
              pipeline.client(), feeds, SampleSchedule.firstFiring(java.time.Instant.now()));
      out.printf(
          """
            sample schedule: %s, daily at %s UTC (first run at %s) over %s
            (edit .local/feed/catalog.csv, then POST /v1/schedules/<id>/run: only the changes are generated)
          """,
          schedule.path("id").asString(),
          schedule.path("dailyAt").asString(),
          schedule.path("nextRunAt").asString(),
          feeds.url(SampleSchedule.FEED));
    }
    out.printf("Ctrl-C stops everything.%n%n");
    stopped.await();
    return 0;
  }

  /**
   * What the worker learnt when it looked each endpoint's models up at start: keys the provider
   * refused (those endpoints are not called) and model ids an endpoint does not know.
   */
  private void reportKeyCheck(LocalPipeline pipeline) {
    if (pipeline.workers().isEmpty()) {
      return;
    }
    Providers providers = pipeline.workers().get(0).getBean(Providers.class);
    new java.util.TreeMap<>(providers.refusals())
        .forEach(
            (endpoint, said) ->
                System.err.printf(
                    "ERROR: provider endpoint '%s' refused its API key (%s): it is not called; fix"
                        + " pipeline.providers.endpoints.%s.api-key and start again%n",
                    endpoint, said, endpoint));
    new java.util.TreeMap<>(providers.unknownModels())
        .forEach(
            (endpointAndModel, said) -> {
              String endpoint = endpointAndModel.substring(0, endpointAndModel.indexOf(' '));
              System.err.printf(
                  "WARNING: provider endpoint '%s' does not know the model %s (%s): check"
                      + " pipeline.providers.endpoints.%s.model-ids%n",
                  endpoint, endpointAndModel.substring(endpoint.length() + 1), said, endpoint);
            });
  }

  /** Leaves the run's API key or url where a shell can read it (owner-only where it can). */
  private static void writeLocal(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text + System.lineSeparator());
      file.toFile().setReadable(false, false);
      file.toFile().setReadable(true, true);
    } catch (IOException e) {
      System.err.println("could not write " + file + ": " + e.getMessage());
    }
  }
}
