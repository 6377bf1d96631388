package io.catalogimage.worker.provider.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.BatchSettings;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.ProviderProperties;
import io.catalogimage.worker.provider.gemini.GeminiBatchClient;
import io.catalogimage.worker.provider.openai.OpenAiBatchClient;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import io.catalogimage.worker.result.TestSpools;
import java.lang.management.ManagementFactory;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every batch client, over real HTTP against the provider simulator on a moved clock: submit, poll,
 * results mapped back by key (successes, a failed line), expiry with partial results, and cancel.
 * One contract, each implementation.
 */
class BatchProviderContractTest {
  private static final ModelCatalog CATALOG = ModelCatalog.defaults();
  private static final ResultSpool SPOOL = new ResultSpool(ResultProperties.defaults());
  private static final Instant T0 = Instant.parse("2026-12-05T01:00:00Z");
  private static ProviderSimulator sim;

  @BeforeAll
  static void start() {
    sim =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withoutPeak()
                .withTimeScale(1.0)
                .withFixedLatency(Duration.ZERO)
                .withBatch(
                    BatchSettings.standard()
                        .withTurnaround(Duration.ofHours(2), Duration.ofHours(2))
                        .withTail(0, Duration.ZERO)
                        .withLineFailureRate(0)));
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  private static ProviderProperties.Endpoint endpoint(String protocol) {
    return new ProviderProperties.Endpoint(
        protocol, sim.baseUri(), "sim-key", null, null, null, null, null, null, null);
  }

  record Client(String label, BatchProvider provider, String model) {
    @Override
    public String toString() {
      return label;
    }
  }

  static Stream<Arguments> clients() {
    return Stream.of(
        Arguments.of(
            new Client(
                "gemini inline",
                new GeminiBatchClient(
                    "sim", endpoint("gemini"), CATALOG, Json.mapper(), 15L * 1024 * 1024, SPOOL),
                "gemini-3.1-flash-image")),
        Arguments.of(
            new Client(
                "gemini file",
                new GeminiBatchClient("sim", endpoint("gemini"), CATALOG, Json.mapper(), 0, SPOOL),
                "gemini-3.1-flash-image")),
        Arguments.of(
            new Client(
                "openai",
                new OpenAiBatchClient(
                    "sim-openai", endpoint("openai"), CATALOG, Json.mapper(), SPOOL),
                "gpt-image-1")));
  }

  private static List<BatchProvider.BatchLine> lines(String model, List<String> prompts) {
    List<BatchProvider.BatchLine> out = new ArrayList<>();
    String ratio = "1:1";
    String size = "1K";
    Dimensions expected = CATALOG.require(model).dimensions(size, ratio).orElse(null);
    for (int i = 0; i < prompts.size(); i++) {
      out.add(
          new BatchProvider.BatchLine(
              "item-" + i,
              new GenerationRequest(
                  model, prompts.get(i), ratio, size, expected, List.of("en"), List.of())));
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void results_map_back_to_their_keys_with_only_the_failed_line_failing(Client c) {
    sim.clock().fixAt(T0);
    List<BatchProvider.BatchLine> lines =
        lines(c.model(), List.of("red mug", "blue lamp [sim:HTTP_500]", "green chair"));
    BatchJobStatus submitted = c.provider().submit(c.model(), "contract", lines);
    assertThat(submitted.jobId()).isNotBlank();
    assertThat(submitted.state()).isEqualTo(BatchJobState.PENDING);

    sim.clock().advanceBy(Duration.ofHours(1));
    assertThat(c.provider().poll(submitted.jobId()).state()).isEqualTo(BatchJobState.RUNNING);

    sim.clock().advanceBy(Duration.ofHours(1).plusMinutes(1));
    BatchJobStatus done = c.provider().poll(submitted.jobId());
    assertThat(done.state()).isEqualTo(BatchJobState.SUCCEEDED);
    assertThat(done.total()).isEqualTo(3);

    long heldBefore = SPOOL.bytesPending();
    List<BatchLineResult> results = c.provider().results(done, lines);
    Map<String, ProviderOutcome> byKey =
        results.stream().collect(Collectors.toMap(BatchLineResult::key, BatchLineResult::outcome));
    assertThat(byKey).containsOnlyKeys("item-0", "item-1", "item-2");
    assertThat(byKey.get("item-0")).isInstanceOf(ProviderOutcome.Generated.class);
    assertThat(byKey.get("item-2")).isInstanceOf(ProviderOutcome.Generated.class);
    assertThat(byKey.get("item-1")).isInstanceOf(ProviderOutcome.ServerError.class);
    ProviderOutcome.Generated g = (ProviderOutcome.Generated) byKey.get("item-0");
    assertThat(g.png()).isNotEmpty();
    assertThat(g.info().usage()).isNotNull();
    assertThat(g.info().usage().outputImageTokens()).isPositive();
    // the images wait in the worker's spool (its byte budget) until stored or given back
    assertThat(SPOOL.bytesPending()).isGreaterThan(heldBefore);
    BatchLineResult.discardAll(results);
    assertThat(SPOOL.bytesPending()).isEqualTo(heldBefore);
  }

  private static final int PHOTO_BYTES = 6 * 1024 * 1024 + 1; // a 2K photo; not a multiple of 3

  private static long allocatedByThisThread() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /**
   * Three lines with a 6 MB reference photo each (24 MB of base64 in all): the input file is
   * written with each photo streamed from the spool into its line and uploaded from the file, and
   * the provider receives every photo byte for byte. What this thread allocates stays under twice
   * the photos' bytes: the JDK HttpClient may read the file to upload on the calling thread, in 16
   * KB buffers (about the file's size, passing garbage), while building the lines and the file in
   * memory, as before, took each photo six or more times over (copy, base64 array, String, tree,
   * line bytes, the growing file, the multipart body).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void reference_photos_are_streamed_into_the_input_file(Client c) throws Exception {
    sim.clock().fixAt(T0);
    sim.resetState();
    sim.resetStats();
    ResultSpool spool = TestSpools.allOnDisk(null);
    byte[] photo = new byte[PHOTO_BYTES];
    new Random(7).nextBytes(photo);
    System.arraycopy(
        new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, 0, photo, 0, 8);
    List<BatchProvider.BatchLine> lines = new ArrayList<>();
    String size = "1K";
    Dimensions expected = CATALOG.require(c.model()).dimensions(size, "1:1").orElse(null);
    for (int i = 0; i < 3; i++) {
      ResultSpool.Held held = spool.hold(photo);
      assertThat(held.onDisk()).isTrue();
      lines.add(
          new BatchProvider.BatchLine(
              "photo-" + i,
              new GenerationRequest(
                  c.model(),
                  "the mug of the photo on a white background",
                  "1:1",
                  size,
                  expected,
                  List.of("en"),
                  List.of(new GenerationRequest.ReferenceImage("image/png", held)))));
    }

    try {
      long before = allocatedByThisThread();
      BatchJobStatus submitted = c.provider().submit(c.model(), "photos", lines);
      long allocated = allocatedByThisThread() - before;

      assertThat(submitted.state()).isEqualTo(BatchJobState.PENDING);
      assertThat(allocated).isLessThan(2L * 3 * PHOTO_BYTES);
      String sha = sha256(photo);
      assertThat(sim.receivedImages())
          .filteredOn(r -> r.size() == PHOTO_BYTES)
          .extracting(r -> r.sha256())
          .containsExactly(sha, sha, sha);
    } finally {
      lines.forEach(
          l -> l.request().references().forEach(GenerationRequest.ReferenceImage::release));
    }
    assertThat(spool.bytesPending()).isZero();
  }

  /**
   * Real-size results (1.59 MB PNGs, 2.1 MB of base64 per line, inline in the job's answer or in
   * its responses file) are decoded into the spool as they are read, and every image is the
   * provider's, byte for byte. What this thread allocates stays under twice the images' bytes
   * (passing read buffers, should the HttpClient fill them on this thread), where reading each line
   * or the job's answer whole took each image about eight times over (line, tree, bytes again,
   * decoded, and the growth of each).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void real_size_results_are_decoded_into_the_spool_as_they_arrive(Client c) throws Exception {
    SimulatorConfig small = sim.config();
    sim.reconfigure(small.withRealisticImages());
    try {
      sim.clock().fixAt(T0);
      sim.resetState();
      ResultSpool spool = TestSpools.allOnDisk(null);
      BatchProvider client =
          c.label().equals("openai")
              ? new OpenAiBatchClient(
                  "sim-openai", endpoint("openai"), CATALOG, Json.mapper(), spool)
              : new GeminiBatchClient(
                  "sim",
                  endpoint("gemini"),
                  CATALOG,
                  Json.mapper(),
                  c.label().equals("gemini inline") ? 15L * 1024 * 1024 : 0,
                  spool);
      List<BatchProvider.BatchLine> lines =
          lines(c.model(), List.of("red mug", "blue lamp", "green chair"));
      BatchJobStatus submitted = client.submit(c.model(), "real-size", lines);
      sim.clock().advanceBy(Duration.ofHours(2).plusMinutes(1));
      BatchJobStatus done = client.poll(submitted.jobId());
      assertThat(done.state()).isEqualTo(BatchJobState.SUCCEEDED);
      byte[] simulators =
          java.util.Base64.getDecoder()
              .decode(
                  new io.catalogimage.simulator.png.ImageFactory(
                          io.catalogimage.simulator.config.ImageSettings::realistic)
                      .pngBase64(new io.catalogimage.simulator.models.Dimensions(1024, 1024), 0));

      long before = allocatedByThisThread();
      List<BatchLineResult> results = client.results(done, lines);
      long allocated = allocatedByThisThread() - before;

      try {
        assertThat(results).hasSize(3);
        assertThat(allocated).isLessThan(2L * 3 * simulators.length);
        for (BatchLineResult r : results) {
          assertThat(r.outcome()).isInstanceOf(ProviderOutcome.Generated.class);
          ResultSpool.Held image = ((ProviderOutcome.Generated) r.outcome()).image();
          assertThat(image.onDisk()).isTrue();
          assertThat(image.size()).isEqualTo(simulators.length);
          assertThat(image.sha256()).isEqualTo(sha256(simulators));
        }
      } finally {
        BatchLineResult.discardAll(results);
      }
      assertThat(spool.bytesPending()).isZero();
    } finally {
      sim.reconfigure(small);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void an_expired_job_returns_the_finished_lines_and_leaves_the_rest_to_the_caller(Client c) {
    sim.reconfigure(
        sim.config()
            .withBatch(
                sim.config().batch().withTurnaround(Duration.ofHours(60), Duration.ofHours(60))));
    try {
      sim.clock().fixAt(T0);
      List<String> prompts = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        prompts.add("product " + i);
      }
      List<BatchProvider.BatchLine> lines = lines(c.model(), prompts);
      BatchJobStatus submitted = c.provider().submit(c.model(), "slow", lines);
      sim.clock().advanceBy(Duration.ofHours(49)); // past both windows (24 h, 48 h)
      BatchJobStatus expired = c.provider().poll(submitted.jobId());
      assertThat(expired.state()).isEqualTo(BatchJobState.EXPIRED);
      List<BatchLineResult> results = c.provider().results(expired, lines);
      assertThat(results).hasSizeBetween(1, 29);
      assertThat(results)
          .allSatisfy(r -> assertThat(r.outcome()).isInstanceOf(ProviderOutcome.Generated.class));
      assertThat(results.stream().map(BatchLineResult::key).distinct()).hasSize(results.size());
    } finally {
      sim.reconfigure(
          sim.config()
              .withBatch(
                  sim.config().batch().withTurnaround(Duration.ofHours(2), Duration.ofHours(2))));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void a_cancelled_job_ends_cancelled_with_no_more_lines_than_were_finished(Client c) {
    sim.clock().fixAt(T0);
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      prompts.add("lamp " + i);
    }
    List<BatchProvider.BatchLine> lines = lines(c.model(), prompts);
    BatchJobStatus submitted = c.provider().submit(c.model(), "cancel-me", lines);
    sim.clock().advanceBy(Duration.ofHours(1));
    BatchJobStatus cancelling = c.provider().cancel(submitted.jobId());
    assertThat(cancelling.state()).isIn(BatchJobState.CANCELLING, BatchJobState.CANCELLED);
    sim.clock().advanceBy(Duration.ofHours(3));
    BatchJobStatus cancelled = c.provider().poll(submitted.jobId());
    assertThat(cancelled.state()).isEqualTo(BatchJobState.CANCELLED);
    List<BatchLineResult> results = c.provider().results(cancelled, lines);
    assertThat(results).hasSizeLessThan(30);
    assertThat(results.stream().map(BatchLineResult::key))
        .allMatch(k -> lines.stream().map(BatchProvider.BatchLine::key).toList().contains(k));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void an_unknown_job_is_a_permanent_failure_not_a_retry(Client c) {
    String unknown = c.label().startsWith("gemini") ? "batches/nope" : "batch_nope";
    assertThatThrownBy(() -> c.provider().poll(unknown))
        .isInstanceOfSatisfying(BatchCallFailed.class, e -> assertThat(e.permanent()).isTrue());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void a_job_is_found_by_its_display_name_across_list_pages_and_a_job_never_sent_is_not(Client c) {
    Instant start = T0.plus(Duration.ofDays(30));
    sim.resetState(); // no jobs of other tests hold the concurrent-job limit
    sim.clock().fixAt(start);
    String name = "row-" + java.util.UUID.randomUUID();
    BatchJobStatus target = c.provider().submit(c.model(), name, lines(c.model(), List.of("mug")));
    // more jobs than one page of the list call holds (100), created after it: it is on page 2
    for (int i = 0; i < 120; i++) {
      if (i % 50 == 49) {
        sim.clock().advanceBy(Duration.ofHours(3)); // the provider's concurrent-job limit
      }
      sim.clock().advanceBy(Duration.ofSeconds(1));
      c.provider().submit(c.model(), "filler-" + i, lines(c.model(), List.of("lamp " + i)));
    }
    Optional<BatchJobStatus> found = c.provider().find(name, start.minusSeconds(60));
    assertThat(found).isPresent();
    assertThat(found.get().jobId()).isEqualTo(target.jobId());
    assertThat(found.get().state()).isEqualTo(BatchJobState.SUCCEEDED);
    assertThat(found.get().total()).isEqualTo(1);

    assertThat(c.provider().find("row-" + java.util.UUID.randomUUID(), start.minusSeconds(60)))
        .as("a submit that never reached the provider")
        .isEmpty();
    sim.resetState(); // these jobs were created "in the future" of the other tests' clock
  }
}
