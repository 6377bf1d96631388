package io.catalogimage.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TriggerWordsTest {
  private static ProviderSimulator sim;
  private static SimClient client;

  @BeforeAll
  static void start() {
    sim = ProviderSimulator.start(SimulatorConfig.defaults().withTimeScale(0).withoutPeak());
    client = new SimClient(sim);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  private static String outcome(String model, String prompt) {
    return client.gemini(model, SimClient.prompt(prompt)).outcome();
  }

  @Test
  void a_trigger_word_always_gets_its_outcome() {
    for (int i = 0; i < 5; i++) {
      assertThat(outcome("gemini-3-pro-image", "tent [sim:HTTP_503]")).isEqualTo("HTTP_503");
    }
  }

  @Test
  void count_suffix_fails_only_the_first_n_calls_then_succeeds() {
    String prompt = "boots [sim:IMAGE_SAFETY:2]";

    assertThat(outcome("gemini-3-pro-image", prompt)).isEqualTo("IMAGE_SAFETY");
    assertThat(outcome("gemini-3-pro-image", prompt)).isEqualTo("IMAGE_SAFETY");
    assertThat(outcome("gemini-3-pro-image", prompt)).isEqualTo("SUCCESS");
    assertThat(outcome("gemini-3-pro-image", prompt)).isEqualTo("SUCCESS");
  }

  @Test
  void counts_are_kept_per_model() {
    String prompt = "gloves [sim:HTTP_500:1]";

    assertThat(outcome("gemini-3-pro-image", prompt)).isEqualTo("HTTP_500");
    assertThat(outcome("gemini-3.1-flash-image", prompt)).isEqualTo("HTTP_500");
    assertThat(outcome("gemini-3-pro-image", prompt)).isEqualTo("SUCCESS");
  }

  @Test
  void model_suffix_applies_the_trigger_on_that_model_only() {
    String prompt = "skirt [sim:IMAGE_SAFETY@gemini-3.1-flash-image]";

    assertThat(outcome("gemini-3.1-flash-image", prompt)).isEqualTo("IMAGE_SAFETY");
    assertThat(outcome("gemini-3-pro-image", prompt)).isEqualTo("SUCCESS");
  }

  @Test
  void model_suffix_matches_the_requested_preview_alias_too() {
    assertThat(
            outcome("gemini-3-pro-image-preview", "hat [sim:NO_IMAGE@gemini-3-pro-image-preview]"))
        .isEqualTo("NO_IMAGE");
  }

  @Test
  void count_and_model_suffixes_combine() {
    String prompt = "scarf [sim:HTTP_503:1@gemini-3-pro-image]";

    assertThat(outcome("gemini-3.1-flash-image", prompt)).isEqualTo("SUCCESS");
    assertThat(outcome("gemini-3-pro-image", prompt)).isEqualTo("HTTP_503");
    assertThat(outcome("gemini-3-pro-image", prompt)).isEqualTo("SUCCESS");
  }

  @Test
  void the_first_applicable_trigger_wins() {
    String prompt = "belt [sim:IMAGE_SAFETY@gemini-3.1-flash-image] [sim:HTTP_504]";

    assertThat(outcome("gemini-3.1-flash-image", prompt)).isEqualTo("IMAGE_SAFETY");
    assertThat(outcome("gemini-3-pro-image", prompt)).isEqualTo("HTTP_504");
  }

  @Test
  void unknown_kinds_are_plain_text() {
    assertThat(outcome("gemini-3-pro-image", "sock [sim:EXPLODE]")).isEqualTo("SUCCESS");
  }

  @Test
  void triggers_can_be_switched_off() {
    try (ProviderSimulator off =
        ProviderSimulator.start(
            SimulatorConfig.defaults().withTimeScale(0).withoutPeak().withTriggers(false))) {
      assertThat(
              new SimClient(off)
                  .gemini("gemini-3-pro-image", SimClient.prompt("tie [sim:HTTP_503]"))
                  .status())
          .isEqualTo(200);
    }
  }
}
