package io.catalogimage.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.fault.FaultKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Same seed + same prompts = same outcomes, whatever the arrival order. */
class FaultDeterminismTest {
  private static final String MODEL = "gemini-3-pro-image";
  private static final int PROMPTS = 60;
  private static final int REPEATS = 3;

  private static SimulatorConfig config(long seed) {
    return SimulatorConfig.defaults()
        .withTimeScale(0)
        .withoutPeak()
        .withSeed(seed)
        .withFaultRate(FaultKind.IMAGE_SAFETY, 0.15)
        .withFaultRate(FaultKind.HTTP_503, 0.10)
        .withFaultRate(FaultKind.NO_IMAGE, 0.05)
        .withFaultRate(FaultKind.RATE_LIMITED, 0.05);
  }

  /** prompt -> outcomes in arrival order, sent one after another. */
  private static Map<String, List<String>> sequential(long seed) {
    try (ProviderSimulator sim = ProviderSimulator.start(config(seed))) {
      SimClient client = new SimClient(sim);
      Map<String, List<String>> out = new HashMap<>();
      for (int r = 0; r < REPEATS; r++) {
        for (int p = 0; p < PROMPTS; p++) {
          String prompt = "product " + p;
          out.computeIfAbsent(prompt, k -> new ArrayList<>())
              .add(client.gemini(MODEL, SimClient.prompt(prompt)).outcome());
        }
      }
      return out;
    }
  }

  @Test
  void same_seed_gives_the_same_sequence_of_outcomes_per_prompt() {
    Map<String, List<String>> first = sequential(7);
    Map<String, List<String>> second = sequential(7);

    assertThat(second).isEqualTo(first);
    assertThat(first.values().stream().flatMap(List::stream).distinct())
        .as("the rates produced a mix of outcomes")
        .contains("SUCCESS", "IMAGE_SAFETY", "HTTP_503");
  }

  @Test
  void a_different_seed_gives_different_outcomes() {
    assertThat(sequential(8)).isNotEqualTo(sequential(7));
  }

  @Test
  void concurrent_shuffled_arrival_gives_the_same_outcomes_per_prompt() {
    Map<String, List<String>> expected = sequential(7);
    List<String> calls = new ArrayList<>();
    for (int r = 0; r < REPEATS; r++) {
      for (int p = 0; p < PROMPTS; p++) {
        calls.add("product " + p);
      }
    }
    Collections.shuffle(calls, new Random(1));

    try (ProviderSimulator sim = ProviderSimulator.start(config(7))) {
      SimClient client = new SimClient(sim);
      List<CompletableFuture<String[]>> futures = new ArrayList<>();
      for (String prompt : calls) {
        futures.add(
            client
                .geminiAsync(MODEL, SimClient.prompt(prompt))
                .thenApply(r -> new String[] {prompt, r.outcome()}));
      }
      Map<String, List<String>> actual = new HashMap<>();
      for (CompletableFuture<String[]> f : futures) {
        String[] pair = f.join();
        actual.computeIfAbsent(pair[0], k -> new ArrayList<>()).add(pair[1]);
      }
      // Which of a prompt's concurrent calls arrived first is up to the network, so compare
      // each prompt's outcomes as a multiset.
      for (String prompt : expected.keySet()) {
        assertThat(actual.get(prompt)).containsExactlyInAnyOrderElementsOf(expected.get(prompt));
      }
    }
  }
}
