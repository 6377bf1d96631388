package io.catalogimage.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.config.AliasMode;
import io.catalogimage.simulator.fault.FaultKind;
import org.junit.jupiter.api.Test;

class ReconfigureTest {
  private static final String NB2 = "gemini-3.1-flash-image";

  @Test
  void settings_swap_at_runtime_without_a_restart() {
    try (ProviderSimulator sim =
        ProviderSimulator.start(SimulatorConfig.defaults().withTimeScale(0).withoutPeak())) {
      SimClient client = new SimClient(sim);
      int port = sim.port();
      assertThat(client.gemini(NB2, SimClient.prompt("cup"), "new-key").status()).isEqualTo(400);

      sim.reconfigure(
          sim.config()
              .withKey("new-key", "default")
              .withFaultRate(NB2, FaultKind.HTTP_503, 1.0)
              .withAliasMode(AliasMode.NOT_FOUND)
              .withPort(1));

      assertThat(sim.port()).isEqualTo(port);
      assertThat(sim.config().port()).isEqualTo(port);
      assertThat(client.gemini(NB2, SimClient.prompt("cup"), "new-key").status()).isEqualTo(503);
      assertThat(client.gemini("gemini-3-pro-image", SimClient.prompt("cup")).status())
          .isEqualTo(200);
      assertThat(client.gemini(NB2 + "-preview", SimClient.prompt("cup")).status()).isEqualTo(404);
    }
  }

  @Test
  void a_lowered_quota_applies_to_usage_already_recorded() {
    try (ProviderSimulator sim =
        ProviderSimulator.start(SimulatorConfig.defaults().withTimeScale(0).withoutPeak())) {
      SimClient client = new SimClient(sim);
      for (int i = 0; i < 3; i++) {
        assertThat(client.gemini(NB2, SimClient.prompt("cup " + i)).status()).isEqualTo(200);
      }

      sim.reconfigure(sim.config().withQuota("default", NB2, 3, 100, 1000));

      assertThat(client.gemini(NB2, SimClient.prompt("cup 4")).status()).isEqualTo(429);
    }
  }
}
