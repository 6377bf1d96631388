package io.catalogimage.simulator.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimClient;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.StatsSnapshot;
import io.catalogimage.simulator.config.ConfigDocument;
import io.catalogimage.simulator.config.ConfigLoader;
import io.catalogimage.simulator.config.QuotaShape;
import io.catalogimage.simulator.fault.FaultKind;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Hidden per-minute quotas that move (constant, step, sawtooth), driven by the simulator clock. */
class QuotaShapeTest {
  private static final String NB2 = "gemini-3.1-flash-image";
  private static final Instant T = Instant.parse("2026-12-05T08:00:00Z");
  private ProviderSimulator sim;

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void a_step_halves_the_quota_for_the_middle_third_of_each_period_and_recovers() {
    QuotaShape step = QuotaShape.step(300, 0.5, Duration.ofMinutes(9)).startingAt(T);

    assertThat(step.rpmAt(T)).isEqualTo(300);
    assertThat(step.rpmAt(T.plusSeconds(179))).isEqualTo(300);
    assertThat(step.rpmAt(T.plusSeconds(180))).isEqualTo(150);
    assertThat(step.rpmAt(T.plusSeconds(359))).isEqualTo(150);
    assertThat(step.rpmAt(T.plusSeconds(360))).isEqualTo(300);
    assertThat(step.rpmAt(T.plusSeconds(540 + 200))).as("the next period").isEqualTo(150);
    // 3 min at 300 + 3 min at 150 + 3 min at 300
    assertThat(step.grantable(T, T.plusSeconds(540))).isCloseTo(2250, offset(0.5));
  }

  @Test
  void a_sawtooth_rises_from_low_to_full_over_its_period_then_falls_back() {
    QuotaShape saw = QuotaShape.sawtooth(300, 0.5, Duration.ofMinutes(3)).startingAt(T);

    assertThat(saw.rpmAt(T)).isEqualTo(150);
    assertThat(saw.rpmAt(T.plusSeconds(90))).isEqualTo(225);
    assertThat(saw.rpmAt(T.plusSeconds(179))).isEqualTo(299);
    assertThat(saw.rpmAt(T.plusSeconds(180))).isEqualTo(150);
    assertThat(saw.grantable(T, T.plusSeconds(180))).isCloseTo(675, offset(2.0));
  }

  @Test
  void
      the_simulator_refuses_calls_beyond_the_shapes_quota_and_counts_them_apart_from_injected_429s() {
    // 4/min now, 2/min in the middle third of a 3-minute period
    sim =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withTimeScale(0)
                .withoutPeak()
                .withQuotaShape(NB2, QuotaShape.step(4, 0.5, Duration.ofMinutes(3)).startingAt(T)));
    sim.clock().fixAt(T);
    SimClient client = new SimClient(sim);

    for (int i = 0; i < 4; i++) {
      assertThat(client.gemini(NB2, SimClient.prompt("mug " + i)).status()).isEqualTo(200);
    }
    assertThat(client.gemini(NB2, SimClient.prompt("mug 4")).status()).isEqualTo(429);
    // a trigger word forces an injected 429: not a quota refusal
    sim.clock().fixAt(T.plusSeconds(61));
    assertThat(client.gemini(NB2, SimClient.prompt("mug [sim:RATE_LIMITED]")).status())
        .isEqualTo(429);
    // inside the middle third (60-120 s) only 2 a minute
    sim.clock().fixAt(T.plusSeconds(70));
    assertThat(client.gemini(NB2, SimClient.prompt("cup 1")).status()).isEqualTo(200);
    assertThat(client.gemini(NB2, SimClient.prompt("cup 2")).status()).isEqualTo(200);
    assertThat(client.gemini(NB2, SimClient.prompt("cup 3")).status()).isEqualTo(429);
    assertThat(sim.hiddenQuota(NB2)).hasValue(2);

    StatsSnapshot.Counters nb2 = sim.stats().model(NB2);
    assertThat(nb2.accepted()).isEqualTo(6);
    assertThat(nb2.rateLimited()).isEqualTo(3);
    assertThat(nb2.quotaLimited()).isEqualTo(2);
    assertThat(nb2.injectedLimited()).isEqualTo(1);
    assertThat(sim.stats().totals().outcome(FaultKind.RATE_LIMITED.name())).isEqualTo(3);
  }

  @Test
  void shapes_are_read_from_yaml_and_start_when_applied() {
    SimulatorConfig config =
        ConfigLoader.fromYaml(
            """
            quotas:
              shapes:
                gemini-3.1-flash-image: {shape: sawtooth, rpm: 600, low: 0.25, period: 2m}
              rateLimitHeaders: true
            """,
            SimulatorConfig.defaults());
    QuotaShape shape = config.quotas().shapes().get(NB2);
    assertThat(shape.kind()).isEqualTo(QuotaShape.Kind.SAWTOOTH);
    assertThat(shape.since()).isNull();
    assertThat(config.quotas().rateLimitHeaders()).isTrue();

    sim = ProviderSimulator.start(config.withTimeScale(0).withoutPeak());
    sim.clock().fixAt(T);
    sim.reconfigure(config);
    assertThat(sim.config().quotas().shapes().get(NB2).since()).isEqualTo(T);
    assertThat(sim.hiddenQuota(NB2)).hasValue(150);
    assertThat(ConfigDocument.toTree(sim.config()).path("quotas").path("shapes").path(NB2))
        .hasToString(
            "{\"shape\":\"sawtooth\",\"rpm\":600,\"low\":0.25,\"period\":\"120s\",\"since\":\""
                + T
                + "\"}");

    assertThatThrownBy(
            () ->
                ConfigLoader.fromYaml(
                    "quotas: {shapes: {x: {shape: zigzag, rpm: 5}}}", SimulatorConfig.defaults()))
        .hasMessageContaining("zigzag");
  }

  @Test
  void openai_answers_carry_rate_limit_headers_when_asked() {
    sim =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withTimeScale(0)
                .withoutPeak()
                .withQuotas(
                    SimulatorConfig.defaults()
                        .quotas()
                        .withShape("gpt-image-1", QuotaShape.constant(2))
                        .withRateLimitHeaders(true)));
    sim.clock().fixAt(T);
    SimClient client = new SimClient(sim);

    SimClient.Reply first =
        client.openai("/v1/images/generations", SimClient.generation("gpt-image-1", "a mug"));
    sim.clock().fixAt(T.plusMillis(1500));
    client.openai("/v1/images/generations", SimClient.generation("gpt-image-1", "a cup"));
    SimClient.Reply third =
        client.openai("/v1/images/generations", SimClient.generation("gpt-image-1", "a pot"));

    assertThat(first.status()).isEqualTo(200);
    assertThat(first.header("x-ratelimit-limit-requests")).isEqualTo("2");
    assertThat(first.header("x-ratelimit-remaining-requests")).isEqualTo("1");
    assertThat(first.header("x-ratelimit-reset-requests")).isEqualTo("1m0s");
    assertThat(third.status()).isEqualTo(429);
    assertThat(third.header("x-ratelimit-remaining-requests")).isEqualTo("0");
    assertThat(third.header("x-ratelimit-reset-requests")).isEqualTo("58.5s");
  }
}
