package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.worker.provider.gemini.GeminiClient;
import io.catalogimage.worker.provider.openai.OpenAiClient;
import io.catalogimage.worker.result.ResultSpool;
import io.catalogimage.worker.result.TestSpools;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real-size answers (the simulator's realistic images) are read as a stream: the image is decoded
 * straight into the spool, to disk when it is larger than the per-image memory limit, hashed on the
 * way; bytes that are not an image and a body that stalls mid-answer end as the right outcome and
 * leave nothing behind.
 */
class StreamedAnswersTest {

  private static final ModelCatalog CATALOG = ModelCatalog.defaults();
  private static final String NB2 = "gemini-3.1-flash-image";

  private static ProviderSimulator simulator;
  private static ExecutorService threads;
  private static HttpServer fake;
  private static final CountDownLatch stop = new CountDownLatch(1);

  @TempDir static Path spoolDir;

  @BeforeAll
  static void start() throws Exception {
    simulator =
        ProviderSimulator.start(
            SimulatorConfig.defaults().withoutPeak().withTimeScale(0).withRealisticImages());
    threads = Executors.newCachedThreadPool();
    fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    fake.createContext(
        "/v1beta/models/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          if (path.contains("not-an-image")) {
            byte[] body =
                ("{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":"
                        + "\"image/png\",\"data\":\"aGVsbG8gd29ybGQsIG5vdCBhbiBpbWFnZQ==\"}}]},"
                        + "\"finishReason\":\"STOP\"}],\"modelVersion\":\"not-an-image\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          } else {
            // the status line and the start of an image, then nothing: a provider stalling
            exchange.sendResponseHeaders(200, 10_000_000);
            OutputStream out = exchange.getResponseBody();
            out.write(
                "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"data\":\"iVBORw0KGgo"
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
              stop.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            exchange.close();
          }
        });
    fake.setExecutor(threads);
    fake.start();
  }

  @AfterAll
  static void stopAll() {
    stop.countDown();
    fake.stop(0);
    simulator.close();
    threads.shutdownNow();
  }

  private static ResultSpool spool() {
    return TestSpools.realSizeToDisk(spoolDir);
  }

  private static ProviderProperties.Endpoint endpoint(String protocol, URI base, Duration timeout) {
    return new ProviderProperties.Endpoint(
        protocol, base, "sim-key", null, null, null, timeout, null, null, null);
  }

  /** The fake server answers by the wire model id in the path. */
  private static ProviderProperties.Endpoint fakeEndpoint(String wireModel, Duration timeout) {
    return new ProviderProperties.Endpoint(
        "gemini",
        URI.create("http://127.0.0.1:" + fake.getAddress().getPort()),
        "sim-key",
        null,
        java.util.Map.of(NB2, wireModel),
        null,
        timeout,
        null,
        null,
        null);
  }

  private static GenerationRequest request(String model, String ratio, String size) {
    Dimensions expected = CATALOG.require(model).dimensions(size, ratio).orElseThrow();
    return new GenerationRequest(
        model, "Studio photo of a lamp", ratio, size, expected, List.of("en"), List.of());
  }

  @Test
  void a_real_size_2k_gemini_image_is_decoded_to_disk_as_it_arrives_and_hashed_on_the_way()
      throws Exception {
    ResultSpool spool = spool();
    GeminiClient client =
        new GeminiClient(
            "sim",
            endpoint("gemini", simulator.baseUri(), null),
            CATALOG,
            Json.mapper(),
            threads,
            threads,
            spool);

    ProviderOutcome outcome = client.generate(request(NB2, "1:1", "2K")).join();

    assertThat(outcome).isInstanceOf(ProviderOutcome.Generated.class);
    ProviderOutcome.Generated g = (ProviderOutcome.Generated) outcome;
    assertThat(g.actual()).isEqualTo(new Dimensions(2048, 2048));
    assertThat(g.image().onDisk()).isTrue();
    assertThat(g.image().size()).isBetween(5_500_000L, 7_000_000L);
    assertThat(spool.bytesInMemory()).isZero();
    byte[] bytes = g.png();
    assertThat(g.image().sha256())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    g.image().release();
    assertThat(spool.bytesPending()).isZero();
    assertThat(Files.list(spoolDir)).isEmpty();
  }

  @Test
  void a_real_size_openai_image_is_streamed_the_same_way() {
    ResultSpool spool = spool();
    OpenAiClient client =
        new OpenAiClient(
            "sim-openai",
            endpoint("openai", simulator.baseUri(), null),
            CATALOG,
            Json.mapper(),
            threads,
            threads,
            spool);

    ProviderOutcome outcome = client.generate(request("gpt-image-1.5", "3:2", "1K")).join();

    assertThat(outcome).isInstanceOf(ProviderOutcome.Generated.class);
    ProviderOutcome.Generated g = (ProviderOutcome.Generated) outcome;
    assertThat(g.actual()).isEqualTo(new Dimensions(1536, 1024));
    assertThat(g.mimeType()).isEqualTo("image/png");
    assertThat(g.image().size()).isGreaterThan(2_000_000L);
    g.image().release();
    assertThat(spool.bytesPending()).isZero();
  }

  @Test
  void bytes_that_are_not_an_image_are_refused_from_their_first_bytes() {
    ResultSpool spool = spool();
    GeminiClient client =
        new GeminiClient(
            "fake",
            fakeEndpoint("not-an-image", null),
            CATALOG,
            Json.mapper(),
            threads,
            threads,
            spool);

    ProviderOutcome outcome = client.generate(request(NB2, "1:1", "1K")).join();

    assertThat(outcome).isInstanceOf(ProviderOutcome.NoImage.class);
    assertThat(((ProviderOutcome.NoImage) outcome).reason()).isEqualTo("UNREADABLE_IMAGE");
    assertThat(spool.bytesPending()).isZero();
  }

  @Test
  void a_body_that_stalls_mid_image_times_out_and_frees_what_it_received() {
    ResultSpool spool = spool();
    GeminiClient client =
        new GeminiClient(
            "fake",
            fakeEndpoint("stalls", Duration.ofMillis(500)),
            CATALOG,
            Json.mapper(),
            threads,
            threads,
            spool);

    ProviderOutcome outcome = client.generate(request(NB2, "1:1", "1K")).join();

    assertThat(outcome).isInstanceOf(ProviderOutcome.TimedOut.class);
    assertThat(outcome.possiblyBilled()).isTrue();
    assertThat(spool.bytesPending()).isZero();
  }
}
