package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.SignatureMode;
import io.catalogimage.worker.provider.gemini.GeminiClient;
import io.catalogimage.worker.provider.openai.OpenAiClient;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Edits over real HTTP against the simulator in strict signature mode: each client sends an edit
 * the way its protocol defines it (Gemini: the conversation with every signature echoed; OpenAI:
 * the image to {@code /v1/images/edits}), and the answer is a new, different image.
 */
class EditContractTest {

  private static final ModelCatalog CATALOG = ModelCatalog.defaults();
  private static final String NB2 = "gemini-3.1-flash-image";

  private static ProviderSimulator simulator;
  private static ExecutorService callbacks;

  @BeforeAll
  static void start() {
    simulator =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withoutPeak()
                .withTimeScale(0)
                .withSignatures(SignatureMode.STRICT));
    callbacks = Executors.newFixedThreadPool(2);
  }

  @AfterAll
  static void stop() {
    simulator.close();
    callbacks.shutdownNow();
  }

  private static ProviderProperties.Endpoint endpoint(String protocol) {
    return new ProviderProperties.Endpoint(
        protocol, simulator.baseUri(), "sim-key", null, null, null, null, null, null, null);
  }

  private static GenerationRequest request(String model, String prompt, List<PriorTurn> history) {
    var expected = CATALOG.require(model).dimensions("1K", "1:1").orElseThrow();
    return new GenerationRequest(
        model, prompt, "1:1", "1K", expected, List.of("en"), List.of(), null, history);
  }

  @Test
  void a_gemini_edit_echoes_both_final_images_of_a_two_image_answer_and_passes_strict_mode() {
    ImageProvider gemini =
        new GeminiClient("sim", endpoint("gemini"), CATALOG, Json.mapper(), callbacks);
    String prompt = "A canvas tote bag [sim:TWO_FINAL_IMAGES]";
    var first = (ProviderOutcome.Generated) gemini.generate(request(NB2, prompt, List.of())).join();
    assertThat(first.modelTurn().stream().filter(ModelPart::isImage)).hasSize(2);
    assertThat(first.modelTurn()).allMatch(p -> p.thoughtSignature() != null);

    // the pipeline keeps the final image by its object key and reads it back for an edit
    List<ModelPart> kept =
        first.modelTurn().stream()
            .map(
                p ->
                    p.isFinalImage()
                        ? new ModelPart(null, p.mimeType(), first.png(), p.thoughtSignature())
                        : p)
            .toList();
    long verified = simulator.signatures().verified();
    ProviderOutcome edited =
        gemini
            .generate(
                request(
                    NB2, "Make the handles black", List.of(new PriorTurn(prompt, List.of(), kept))))
            .join();
    assertThat(edited).as(edited.toString()).isInstanceOf(ProviderOutcome.Generated.class);
    assertThat(simulator.signatures().verified() - verified).isEqualTo(3);
    assertThat(Arrays.equals(((ProviderOutcome.Generated) edited).png(), first.png())).isFalse();

    // one altered byte in the echoed image and the strict simulator refuses the turn
    byte[] tampered = first.png().clone();
    tampered[tampered.length - 20] ^= 1;
    List<ModelPart> parts =
        first.modelTurn().stream()
            .map(
                p ->
                    p.isFinalImage()
                        ? new ModelPart(null, p.mimeType(), tampered, p.thoughtSignature())
                        : p)
            .toList();
    ProviderOutcome refused =
        gemini
            .generate(
                request(
                    NB2,
                    "Make the handles black",
                    List.of(new PriorTurn(prompt, List.of(), parts))))
            .join();
    assertThat(refused).isInstanceOf(ProviderOutcome.Rejected.class);
    assertThat(((ProviderOutcome.Rejected) refused).message())
        .contains("Corrupted thought signature");
  }

  @Test
  void an_openai_edit_sends_the_image_to_images_edits_and_gets_a_different_one() {
    ImageProvider openai =
        new OpenAiClient("sim-openai", endpoint("openai"), CATALOG, Json.mapper(), callbacks);
    String model = "gpt-image-1.5";
    var first =
        (ProviderOutcome.Generated)
            openai.generate(request(model, "A ceramic vase", List.of())).join();
    assertThat(first.modelTurn()).isEmpty();
    ProviderOutcome edited =
        openai
            .generate(
                request(
                    model,
                    "Make it matte blue",
                    List.of(
                        new PriorTurn(
                            "A ceramic vase",
                            List.of(),
                            List.of(new ModelPart(null, "image/png", first.png(), null))))))
            .join();
    assertThat(edited).as(edited.toString()).isInstanceOf(ProviderOutcome.Generated.class);
    assertThat(Arrays.equals(((ProviderOutcome.Generated) edited).png(), first.png())).isFalse();
  }
}
