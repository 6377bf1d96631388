package io.catalogimage.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.config.LatencyDistribution;
import io.catalogimage.simulator.config.PeakProfile;
import io.catalogimage.simulator.fault.FaultKind;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The peak calendar follows the simulator clock: quotas shrink, latency grows, faults appear. */
class PeakCalendarTest {
  private static final String NB2 = "gemini-3.1-flash-image";
  private static final Instant IN_PEAK = Instant.parse("2026-11-23T11:00:00Z");
  private static final Instant OFF_PEAK = Instant.parse("2026-11-23T15:00:00Z");
  private ProviderSimulator sim;
  private SimClient client;

  private void start(SimulatorConfig config) {
    sim = ProviderSimulator.start(config);
    client = new SimClient(sim);
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  private int acceptedBeforeFirst429(int max) {
    for (int i = 0; i < max; i++) {
      if (client.gemini(NB2, SimClient.prompt("bag [sim:SUCCESS] " + i)).status() == 429) {
        return i;
      }
    }
    return max;
  }

  @Test
  void nb2_per_minute_quota_is_halved_inside_the_peak_window_only() {
    start(SimulatorConfig.defaults().withTimeScale(0).withQuota("default", NB2, 10, 100, 1000));

    sim.clock().fixAt(IN_PEAK);
    assertThat(sim.clock().now()).isEqualTo(IN_PEAK);
    assertThat(acceptedBeforeFirst429(20)).isEqualTo(5);

    sim.resetState();
    sim.clock().fixAt(OFF_PEAK);
    assertThat(acceptedBeforeFirst429(20)).isEqualTo(10);
  }

  @Test
  void daily_quota_is_lowered_in_peak() {
    start(SimulatorConfig.defaults().withTimeScale(0).withQuota("default", NB2, 100, 100, 4));
    sim.clock().fixAt(IN_PEAK);

    assertThat(acceptedBeforeFirst429(10)).isEqualTo(2);
    SimClient.Reply r = client.gemini(NB2, SimClient.prompt("bag [sim:SUCCESS] x"));
    assertThat(r.error().path("message").asString()).contains("per_day, limit: 2");
  }

  @Test
  void latency_is_multiplied_by_the_peak_factor_inside_the_window() {
    // A constant 100 s latency (median == p95) scaled by 0.002 = 200 ms, doubled in NB2 peak.
    start(
        SimulatorConfig.defaults()
            .withTimeScale(0.002)
            .withModelLatency(NB2, "1K", Duration.ofSeconds(100), Duration.ofSeconds(100)));

    sim.clock().fixAt(OFF_PEAK);
    SimClient.Reply off = client.gemini(NB2, SimClient.prompt("lamp [sim:SUCCESS]"));
    sim.clock().fixAt(IN_PEAK);
    long t0 = System.nanoTime();
    SimClient.Reply in = client.gemini(NB2, SimClient.prompt("lamp [sim:SUCCESS]"));
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(off.header("x-sim-latency-ms")).isEqualTo("200");
    assertThat(in.header("x-sim-latency-ms")).isEqualTo("400");
    assertThat(elapsedMs).as("the answer really waited").isGreaterThanOrEqualTo(390);
  }

  @Test
  void peak_fault_rates_apply_only_inside_the_window() {
    start(
        SimulatorConfig.defaults()
            .withTimeScale(0)
            .withPeakProfile(NB2, new PeakProfile(1.0, 1.0, 1.0, Map.of(FaultKind.HTTP_503, 1.0))));

    sim.clock().fixAt(IN_PEAK);
    assertThat(client.gemini(NB2, SimClient.prompt("cap")).status()).isEqualTo(503);
    assertThat(client.gemini("gemini-3-pro-image", SimClient.prompt("cap")).status())
        .as("other models keep their own profile")
        .isEqualTo(200);
    sim.clock().fixAt(OFF_PEAK);
    assertThat(client.gemini(NB2, SimClient.prompt("cap")).status()).isEqualTo(200);
  }

  @Test
  void default_peak_makes_nb2_fail_about_15_percent_of_calls() {
    start(SimulatorConfig.defaults().withTimeScale(0));
    sim.clock().fixAt(IN_PEAK);

    int failures = 0;
    for (int i = 0; i < 400; i++) {
      if (!"SUCCESS".equals(client.gemini(NB2, SimClient.prompt("sku " + i)).outcome())) {
        failures++;
      }
    }
    assertThat(failures).isBetween(30, 95);
  }

  @Test
  void peak_windows_zone_and_wrap_around_midnight_are_configurable() {
    start(
        SimulatorConfig.defaults()
            .withTimeScale(0)
            .withPeak(ZoneId.of("Europe/Berlin"), "22:00-02:00"));

    sim.clock().fixAt(Instant.parse("2026-11-23T23:30:00Z")); // 00:30 in Berlin
    assertThat(client.get("/sim/clock").body().path("inPeak").asBoolean()).isTrue();
    sim.clock().fixAt(IN_PEAK); // 12:00 in Berlin
    assertThat(client.get("/sim/clock").body().path("inPeak").asBoolean()).isFalse();
  }

  @Test
  void without_peak_nothing_changes_at_peak_hours() {
    start(
        SimulatorConfig.defaults()
            .withTimeScale(0)
            .withoutPeak()
            .withQuota("default", NB2, 10, 100, 1000)
            .withLatency(
                SimulatorConfig.defaults()
                    .latency()
                    .withModel(NB2, "1K", LatencyDistribution.of(1, 1))));
    sim.clock().fixAt(IN_PEAK);

    assertThat(acceptedBeforeFirst429(20)).isEqualTo(10);
  }
}
