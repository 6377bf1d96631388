package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.stats.ReceivedImages;
import io.catalogimage.worker.provider.gemini.GeminiClient;
import io.catalogimage.worker.provider.openai.OpenAiClient;
import io.catalogimage.worker.result.ResultSpool;
import io.catalogimage.worker.result.TestSpools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real-size final image (a 2K answer, about 6 MB, in a spool file) is captioned from where it is
 * held: each vision model's request body splices it in as base64 while it is sent (Gemini's {@code
 * inlineData}, the {@code data:} URL of OpenAI's chat completions), and the simulator receives
 * exactly the image that will be stored.
 */
class StreamedCaptionsTest {

  private static final ModelCatalog CATALOG = ModelCatalog.defaults();
  private static final String NB2 = "gemini-3.1-flash-image";
  private static final String PROMPT =
      "Write alt text for this product image in en and de. Product: Walnut desk organiser.";

  private static ProviderSimulator simulator;
  private static ExecutorService threads;

  @TempDir static Path spoolDir;

  @BeforeAll
  static void start() {
    simulator =
        ProviderSimulator.start(
            SimulatorConfig.defaults().withoutPeak().withTimeScale(0).withRealisticImages());
    threads = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void stop() {
    simulator.close();
    threads.shutdownNow();
  }

  /** Per-image memory limit 1 MB: a 2K image goes to disk. */
  private static ResultSpool spool() {
    return TestSpools.realSizeToDisk(spoolDir);
  }

  private static ProviderProperties.Endpoint endpoint(String protocol) {
    return new ProviderProperties.Endpoint(
        protocol, simulator.baseUri(), "sim-key", null, null, null, null, null, null, null);
  }

  /** A 2K image made by the simulator, decoded into the spool as the worker receives it. */
  private static ProviderOutcome.Generated twoK(GeminiClient gemini) {
    Dimensions expected = CATALOG.require(NB2).dimensions("2K", "1:1").orElseThrow();
    ProviderOutcome outcome =
        gemini
            .generate(
                new GenerationRequest(
                    NB2, "Walnut desk organiser", "1:1", "2K", expected, List.of(), List.of()))
            .join();
    assertThat(outcome).isInstanceOf(ProviderOutcome.Generated.class);
    ProviderOutcome.Generated g = (ProviderOutcome.Generated) outcome;
    assertThat(g.image().onDisk()).isTrue();
    assertThat(g.image().size()).isBetween(5_500_000L, 7_000_000L);
    return g;
  }

  private static ReceivedImages.Received lastReceived() {
    List<ReceivedImages.Received> received = simulator.receivedImages();
    assertThat(received).isNotEmpty();
    return received.get(received.size() - 1);
  }

  @Test
  void a_6_mb_image_is_captioned_by_gemini_from_the_spool_file_byte_exact() throws Exception {
    ResultSpool spool = spool();
    GeminiClient gemini =
        new GeminiClient(
            "sim", endpoint("gemini"), CATALOG, Json.mapper(), threads, threads, spool);
    ProviderOutcome.Generated g = twoK(gemini);

    ProviderOutcome described =
        gemini
            .describe(
                new CaptionRequest(
                    "gemini-2.5-flash",
                    PROMPT,
                    SplicedBody.Source.of(g.image()),
                    g.mimeType(),
                    null))
            .join();

    assertThat(described).as(described.toString()).isInstanceOf(ProviderOutcome.Described.class);
    assertThat(((ProviderOutcome.Described) described).text()).isNotBlank();
    ReceivedImages.Received received = lastReceived();
    assertThat(received.mimeType()).isEqualTo("image/png");
    assertThat(received.size()).isEqualTo(g.image().size());
    assertThat(received.sha256()).isEqualTo(g.image().sha256());
    g.image().release();
    assertThat(spool.bytesPending()).isZero();
    try (var files = Files.list(spoolDir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void a_6_mb_image_is_captioned_by_an_openai_vision_model_from_the_spool_file_byte_exact() {
    ResultSpool spool = spool();
    GeminiClient gemini =
        new GeminiClient(
            "sim", endpoint("gemini"), CATALOG, Json.mapper(), threads, threads, spool);
    OpenAiClient openai =
        new OpenAiClient(
            "sim-openai", endpoint("openai"), CATALOG, Json.mapper(), threads, threads, spool);
    ProviderOutcome.Generated g = twoK(gemini);

    ProviderOutcome described =
        openai
            .describe(
                new CaptionRequest(
                    "gpt-4.1-mini", PROMPT, SplicedBody.Source.of(g.image()), g.mimeType(), null))
            .join();

    assertThat(described).as(described.toString()).isInstanceOf(ProviderOutcome.Described.class);
    ReceivedImages.Received received = lastReceived();
    assertThat(received.mimeType()).isEqualTo("image/png");
    assertThat(received.size()).isEqualTo(g.image().size());
    assertThat(received.sha256()).isEqualTo(g.image().sha256());
    g.image().release();
    assertThat(spool.bytesPending()).isZero();
  }
}
