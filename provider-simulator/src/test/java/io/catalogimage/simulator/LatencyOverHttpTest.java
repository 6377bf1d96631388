package io.catalogimage.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Which latency each outcome gets, read from the planned delay the simulator reports. */
class LatencyOverHttpTest {
  private static final String PRO = "gemini-3-pro-image";
  private static ProviderSimulator sim;
  private static SimClient client;

  @BeforeAll
  static void start() {
    sim =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withoutPeak()
                .withTimeScale(0.001)
                .withQuota("default", "gemini-2.5-flash-image", 1, 100, 1000));
    client = new SimClient(sim);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  private static long plannedMs(String model, String prompt) {
    return Long.parseLong(
        client.gemini(model, SimClient.prompt(prompt)).header("x-sim-latency-ms"));
  }

  @Test
  void no_image_returns_fast_within_two_to_four_seconds_scaled() {
    for (int i = 0; i < 10; i++) {
      assertThat(plannedMs(PRO, "vase " + i + " [sim:NO_IMAGE]")).isBetween(2L, 4L);
    }
  }

  @Test
  void deadline_exceeded_waits_for_the_p95() {
    assertThat(plannedMs(PRO, "vase [sim:HTTP_504]")).isEqualTo(40);
  }

  @Test
  void quota_rejections_are_immediate() {
    plannedMs("gemini-2.5-flash-image", "vase");

    assertThat(plannedMs("gemini-2.5-flash-image", "vase again")).isZero();
  }

  @Test
  void the_answer_really_arrives_after_the_planned_latency() {
    long start = System.nanoTime();
    SimClient.Reply r = client.gemini(PRO, SimClient.prompt("vase [sim:HTTP_504]"));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    assertThat(r.status()).isEqualTo(504);
    assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(40));
  }

  @Test
  void standalone_start_binds_all_interfaces_and_reports_a_loopback_base_uri() {
    try (ProviderSimulator standalone =
        ProviderSimulator.start(SimulatorConfig.defaults().withTimeScale(0), "0.0.0.0")) {
      assertThat(standalone.baseUri().getHost()).isEqualTo("127.0.0.1");
      assertThat(new SimClient(standalone).get("/healthz").status()).isEqualTo(200);
    }
  }
}
