package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.catalogimage.cli.ExitCode;
import io.catalogimage.cli.MerchantCli;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A merchant's first real run, for real: {@code ./pipeline up --config pipeline.yml} as its own
 * process, with a file naming a provider endpoint (a second simulator on another port, which
 * accepts only the key the file takes from an environment variable), then the command-line client
 * against it: submit a CSV, watch it, download the results, and every exit status a script relies
 * on. Nothing mocked: real HTTP from the worker to that endpoint, real Postgres, Kafka and S3.
 */
class OwnProvidersAndCliTest {

  private static final String KEY_VARIABLE = "SECOND_SIMULATOR_KEY";
  private static final String KEY = "second-simulator-key-" + System.nanoTime();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path work;
  private static ProviderSimulator endpoint;
  private static Process up;
  private static Path upOutput;
  private static String upText;
  private static URI api;

  @BeforeAll
  static void upWithOwnConfig() throws Exception {
    endpoint =
        ProviderSimulator.start(
            SimulatorConfig.defaults().withoutPeak().withTimeScale(0.0).withKeys(Map.of(KEY, "p")));
    Path config = work.resolve("pipeline.yml");
    Files.writeString(
        config,
        """
        pipeline:
          providers:
            endpoints:
              second:
                protocol: gemini
                base-url: %s
                api-key: ${%s}
              spare:
                protocol: openai
                base-url: http://127.0.0.1:9
                api-key: ${NO_SUCH_KEY_IS_SET_HERE:}
          retry:
            max-attempts: 2
          # the endpoint has no peak hours: bulk work must not wait for 14:00 UTC when this runs
          # between 10:00 and 14:00 (real providers keep the default, peak on)
          peak:
            enabled: false
        """
            .formatted(endpoint.baseUri(), KEY_VARIABLE));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // a test process: start fast (C1 only, serial GC) rather than run fast
    command.addAll(List.of("-Xmx768m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.add(PipelineCli.class.getName());
    command.addAll(List.of("up", "--port", "0", "--config", config.toString()));
    upOutput = work.resolve("up.out");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(upOutput.toFile());
    builder.environment().put(KEY_VARIABLE, KEY);
    builder.environment().remove("PIPELINE_URL");
    builder.environment().remove("PIPELINE_API_KEY");
    up = builder.start();
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              if (!up.isAlive()) {
                throw new AssertionError("./pipeline up ended: " + Files.readString(upOutput));
              }
              return Files.readString(upOutput).contains("The pipeline is up.");
            });
    upText = Files.readString(upOutput);
    api = URI.create(Files.readString(work.resolve(".local/api-url")).strip());
  }

  @AfterAll
  static void stop() throws Exception {
    if (up != null) {
      up.destroy(); // SIGTERM: its shutdown hook stops the servers it started
      if (!up.waitFor(60, TimeUnit.SECONDS)) {
        up.destroyForcibly();
      }
    }
    if (endpoint != null) {
      endpoint.close();
    }
  }

  /** One run of the client as the merchant's shell would make it, from the working directory. */
  private record Run(int exit, String out, String err) {}

  private static Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        new MerchantCli(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(),
                work,
                false)
            .run(args);
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Path csv(String name, String... rows) throws IOException {
    Path file = work.resolve(name);
    Files.writeString(file, String.join("\r\n", rows) + "\r\n");
    return file;
  }

  @Test
  void up_says_which_endpoints_it_calls_and_starts_no_simulator() {
    assertThat(upText)
        .contains("provider endpoints (called for real; the simulator is not started)")
        .contains("second")
        .contains(endpoint.baseUri().toString())
        .contains("key from " + KEY_VARIABLE)
        .containsPattern("spare .*no key \\(NO_SUCH_KEY_IS_SET_HERE is not set\\): NOT USED")
        .contains("providers:  the endpoints of pipeline.yml")
        .doesNotContain("simulator:  http");
  }

  @Test
  void a_csv_submitted_watched_and_downloaded_was_made_by_the_configured_endpoint()
      throws Exception {
    long successesBefore = endpoint.stats().totals().outcome("SUCCESS");
    Path catalog =
        csv(
            "spring.csv",
            "sku,title,color",
            "TS-001,Organic cotton T-shirt,navy",
            "TS-002,\"Linen shirt, relaxed\",sand",
            "MUG-1,Stoneware mug,white");

    Run submitted =
        cli(
            "submit",
            catalog.toString(),
            "--variant",
            "listing:1:1:1K",
            "--variant",
            "banner:4:1:1K",
            "--locales",
            "en,de",
            "--template",
            "Studio photo of {{title}} in {{attributes.color}}",
            "--watch",
            "--interval",
            "200ms",
            "--timeout",
            "2m");

    assertThat(submitted.exit()).as(submitted.err()).isEqualTo(ExitCode.OK);
    assertThat(submitted.out())
        .contains("Accepted: batch")
        .contains("\"spring\": 3 products, 6 items")
        .contains("Idempotency-Key: ")
        .contains("succeeded 6")
        .contains("COMPLETED, 6 of 6 items done (100.0%)");
    String batch = batchId(submitted.out());
    // the calls went to the endpoint of the file, with the key from the environment
    assertThat(endpoint.stats().totals().outcome("SUCCESS") - successesBefore)
        .isGreaterThanOrEqualTo(6);

    Path images = work.resolve("images-" + batch);
    Run results = cli("results", batch, "--out", images.toString());

    assertThat(results.exit()).as(results.err()).isEqualTo(ExitCode.OK);
    assertThat(results.out()).contains("Saved 6 images and 6 sidecars");
    List<String> manifest = Files.readAllLines(images.resolve("manifest.jsonl"));
    assertThat(manifest).hasSize(6);
    for (String sku : List.of("TS-001", "TS-002", "MUG-1")) {
      BufferedImage listing = ImageIO.read(images.resolve(sku).resolve("listing.png").toFile());
      BufferedImage banner = ImageIO.read(images.resolve(sku).resolve("banner.png").toFile());
      assertThat(listing.getWidth() + "x" + listing.getHeight()).isEqualTo("1024x1024");
      assertThat(banner.getWidth() + "x" + banner.getHeight()).isEqualTo("2048x512");
      JsonNode sidecar = JSON.readTree(images.resolve(sku).resolve("listing.json").toFile());
      assertThat(sidecar.path("altText").path("en").asString()).isNotBlank();
      assertThat(sidecar.path("altText").path("de").asString()).isNotBlank();
    }
    try (Stream<Path> files = Files.walk(images)) {
      assertThat(files.filter(p -> p.toString().endsWith(".part"))).isEmpty();
    }
  }

  @Test
  void a_batch_that_finishes_with_blocked_items_exits_3_and_says_why() throws Exception {
    Path catalog =
        csv("mixed.csv", "sku,title", "OK-1,Desk lamp", "BLOCK-1,Poster [sim:IMAGE_SAFETY]");

    Run watched =
        cli(
            "submit",
            catalog.toString(),
            "--variant",
            "main:1:1:1K",
            "--watch",
            "--interval",
            "200ms",
            "--timeout",
            "2m");

    assertThat(watched.exit())
        .as(watched.out() + watched.err())
        .isEqualTo(ExitCode.FINISHED_WITH_FAILURES);
    assertThat(watched.out())
        .contains("Not succeeded (1), by reason:")
        .containsPattern("BLOCKED .* 1 .*\\(e\\.g\\. BLOCK-1/main\\)");
    String batch = batchId(watched.out());

    Run results = cli("results", batch, "--out", work.resolve("mixed-out").toString());
    assertThat(results.exit()).isEqualTo(ExitCode.FINISHED_WITH_FAILURES);
    assertThat(results.out()).contains("Saved 1 images and 1 sidecars").contains("BLOCKED 1");
    assertThat(work.resolve("mixed-out/OK-1/main.png")).exists();
    assertThat(work.resolve("mixed-out/BLOCK-1")).doesNotExist();

    Run retried = cli("retry", batch, "--states", "BLOCKED");
    assertThat(retried.exit()).as(retried.err()).isEqualTo(ExitCode.OK);
    assertThat(retried.out()).contains("1 items of batch " + batch + " run again");
  }

  @Test
  void a_bad_upload_is_refused_with_its_line_numbers_and_exit_4() throws Exception {
    Path catalog = csv("bad.csv", "sku,title", "A-1,Fine", ",No sku here", "A-1,Same sku twice");

    Run refused = cli("submit", catalog.toString(), "--variant", "main:1:1:1K");

    assertThat(refused.exit()).isEqualTo(ExitCode.REFUSED);
    assertThat(refused.err())
        .contains("400 Invalid submission (invalid-submission)")
        .contains("nothing was stored")
        .contains("bad.csv line 3")
        .contains("bad.csv line 4");
  }

  @Test
  void a_wrong_key_exits_5_and_an_unreachable_api_exits_6_and_a_typo_exits_2() throws Exception {
    Run wrongKey =
        cli("status", "01a20000-0000-7000-8000-000000000000", "--api-key", "cip_Wrong00000_x");
    assertThat(wrongKey.exit()).isEqualTo(ExitCode.AUTHENTICATION);
    assertThat(wrongKey.err()).contains("401").contains("PIPELINE_API_KEY");

    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Run down = cli("status", "x", "--url", "http://127.0.0.1:" + closedPort);
    assertThat(down.exit()).isEqualTo(ExitCode.UNAVAILABLE);
    assertThat(down.err()).contains("cannot reach the api");

    assertThat(cli("submit", "x.csv", "--varaint", "a:1:1:1K").exit()).isEqualTo(ExitCode.USAGE);
    assertThat(cli("status", "01a20000-0000-7000-8000-000000000000").exit())
        .isEqualTo(ExitCode.REFUSED);
  }

  @Test
  void an_unfinished_batch_exits_7_can_be_cancelled_and_a_resubmission_is_the_same_batch()
      throws Exception {
    Path catalog = csv("later.csv", "sku,title", "L-1,Later lamp", "L-2,Later chair");
    String[] submit = {
      "submit",
      catalog.toString(),
      "--variant",
      "main:1:1:1K",
      "--start-after",
      // an instant: a relative time resolves differently on each run, and the key covers it
      java.time.Instant.now().plus(java.time.Duration.ofHours(2)).toString(),
      "--idempotency-key",
      "later-" + System.nanoTime(),
      "--quiet"
    };

    Run first = cli(submit);
    Run again = cli(submit);

    assertThat(first.exit()).as(first.err()).isEqualTo(ExitCode.OK);
    String batch = first.out().strip();
    assertThat(again.out().strip()).isEqualTo(batch);
    Run watched = cli("watch", batch, "--timeout", "1s", "--interval", "200ms");
    assertThat(watched.exit()).isEqualTo(ExitCode.NOT_FINISHED);
    Run unfinished = cli("results", batch, "--out", work.resolve("later-out").toString());
    assertThat(unfinished.exit()).isEqualTo(ExitCode.NOT_FINISHED);
    assertThat(cli("status", batch).out()).contains("ACCEPTED, 0 of 2 items done");

    Run cancelled = cli("cancel", batch);
    assertThat(cancelled.exit()).isEqualTo(ExitCode.OK);
    assertThat(cancelled.out()).contains("Cancelled 2 waiting items");
    assertThat(cli("watch", batch, "--timeout", "1m").exit())
        .isEqualTo(ExitCode.FINISHED_WITH_FAILURES);
  }

  @Test
  void a_json_array_of_items_takes_its_options_from_the_command_line() throws Exception {
    Path items = work.resolve("items.json");
    Files.writeString(
        items, "[{\"sku\": \"J-1\", \"title\": \"Jug\"}, {\"sku\": \"J-2\", \"title\": \"Jar\"}]");

    Run run =
        cli("submit", items.toString(), "--preset", "marketplace", "--tier", "quality", "--json");

    assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.OK);
    JsonNode accepted = JSON.readTree(run.out());
    assertThat(accepted.path("name").asString()).isEqualTo("items");
    assertThat(accepted.path("itemCount").asInt()).isEqualTo(4); // main + thumbnail per product
  }

  @Test
  void the_probe_paths_of_the_kubernetes_manifests_answer() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (String path : KubernetesManifestsTest.probePaths()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(api.resolve(path)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
      assertThat(r.body()).contains("\"UP\"");
    }
  }

  private static String batchId(String out) {
    var m = java.util.regex.Pattern.compile("batch ([0-9a-f-]{36})").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1);
  }
}
