package io.catalogimage.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class StatsAndAdminTest {
  private static final String PRO = "gemini-3-pro-image";
  private ProviderSimulator sim;
  private SimClient client;

  @BeforeEach
  void start() {
    sim =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withTimeScale(0)
                .withoutPeak()
                .withKey("team-b-key", "team-b")
                .withQuota("default", PRO, 4, 100, 1000));
    client = new SimClient(sim);
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  @Test
  void stats_count_calls_accepted_rate_limited_and_outcomes_per_model_and_project() {
    for (int i = 0; i < 3; i++) {
      client.gemini(PRO, SimClient.prompt("lamp " + i));
    }
    client.gemini(PRO, SimClient.prompt("lamp [sim:IMAGE_SAFETY]"));
    client.gemini(PRO, SimClient.prompt("lamp quota")); // 5th on rpm 4
    client.gemini(PRO, SimClient.prompt("lamp"), "bad-key");
    client.gemini(PRO, SimClient.prompt("lamp"), "team-b-key");
    client.openai("/v1/images/generations", SimClient.generation("gpt-image-1", "lamp"));

    StatsSnapshot s = sim.stats();
    assertThat(s.totals().calls()).isEqualTo(8);
    assertThat(s.totals().accepted()).isEqualTo(6);
    assertThat(s.totals().rateLimited()).isEqualTo(1);
    assertThat(s.totals().outcomes())
        .containsEntry("SUCCESS", 5L)
        .containsEntry("IMAGE_SAFETY", 1L)
        .containsEntry("RATE_LIMITED", 1L)
        .containsEntry("UNAUTHENTICATED", 1L);
    assertThat(s.model(PRO).calls()).isEqualTo(7);
    assertThat(s.model("gpt-image-1").calls()).isEqualTo(1);
    assertThat(s.project("default").calls()).isEqualTo(6);
    assertThat(s.project("default").rateLimited()).isEqualTo(1);
    assertThat(s.project("team-b").accepted()).isEqualTo(1);
    assertThat(s.totals().maxCallsIn60s()).isEqualTo(8);
    assertThat(s.totals().maxAcceptedIn60s()).isEqualTo(6);
    assertThat(s.model(PRO).maxAcceptedIn60s()).isEqualTo(5);
  }

  @Test
  void get_sim_stats_mirrors_the_java_snapshot() {
    client.gemini(PRO, SimClient.prompt("lamp"));
    client.gemini(PRO, SimClient.prompt("lamp [sim:HTTP_503]"));

    JsonNode json = client.get("/sim/stats").body();

    assertThat(json.path("now").asString()).isNotEmpty();
    JsonNode totals = json.path("totals");
    assertThat(totals.propertyNames())
        .containsExactly(
            "calls",
            "accepted",
            "rateLimited",
            "quotaLimited",
            "injectedLimited",
            "outcomes",
            "maxCallsIn60s",
            "maxAcceptedIn60s");
    assertThat(totals.path("calls").asLong()).isEqualTo(2);
    assertThat(totals.path("outcomes").path("HTTP_503").asLong()).isEqualTo(1);
    assertThat(json.path("models").path(PRO).path("accepted").asLong()).isEqualTo(2);
    assertThat(json.path("projects").path("default").path("calls").asLong()).isEqualTo(2);
    assertThat(sim.stats().totals().outcome("SUCCESS")).isEqualTo(1);
  }

  @Test
  void stats_reset_zeroes_everything_but_quota_usage_is_kept() {
    for (int i = 0; i < 4; i++) {
      client.gemini(PRO, SimClient.prompt("lamp " + i));
    }
    assertThat(client.post("/sim/stats/reset", "").status()).isEqualTo(200);

    assertThat(sim.stats().totals().calls()).isZero();
    assertThat(sim.stats().totals().maxCallsIn60s()).isZero();
    assertThat(sim.stats().models()).isEmpty();
    assertThat(client.gemini(PRO, SimClient.prompt("lamp 5")).status()).isEqualTo(429);
  }

  @Test
  void sim_reset_also_forgets_quota_usage_and_trigger_counts() {
    for (int i = 0; i < 4; i++) {
      client.gemini(PRO, SimClient.prompt("lamp " + i));
    }
    assertThat(client.gemini(PRO, SimClient.prompt("once [sim:HTTP_500:1]")).status())
        .isEqualTo(429);
    client.post("/sim/reset", "");

    assertThat(client.gemini(PRO, SimClient.prompt("once [sim:HTTP_500:1]")).status())
        .isEqualTo(500);
    assertThat(client.gemini(PRO, SimClient.prompt("once [sim:HTTP_500:1]")).status())
        .isEqualTo(200);
  }

  @Test
  void clock_can_be_offset_fixed_and_restored_over_http() {
    JsonNode offset = client.put("/sim/clock", "{\"offset\": \"PT2H\"}").body();
    assertThat(offset.path("mode").asString()).isEqualTo("offset");
    assertThat(Duration.between(Instant.now(), sim.clock().now()))
        .isBetween(Duration.ofMinutes(119), Duration.ofMinutes(121));

    JsonNode fixed = client.put("/sim/clock", "{\"fixed\": \"2026-11-23T11:00:00Z\"}").body();
    assertThat(fixed.path("now").asString()).isEqualTo("2026-11-23T11:00:00Z");
    assertThat(fixed.path("inPeak").asBoolean()).as("peak is off in this test").isFalse();
    assertThat(sim.clock().now()).isEqualTo(Instant.parse("2026-11-23T11:00:00Z"));
    assertThat(client.get("/sim/clock").body().path("mode").asString()).isEqualTo("fixed");

    client.put("/sim/clock", "{\"system\": true}");
    assertThat(sim.clock().mode()).isEqualTo("system");
    assertThat(client.put("/sim/clock", "{}").status()).isEqualTo(400);
  }

  @Test
  void config_can_be_read_and_changed_over_http() {
    JsonNode config = client.get("/sim/config").body();
    assertThat(config.path("apiKeys").path("sim-key").asString()).isEqualTo("default");
    assertThat(config.path("quotas").path("defaults").path("rpm").asLong()).isEqualTo(1_000_000);

    SimClient.Reply changed =
        client.put("/sim/config", "quotas:\n  defaults: {rpm: 1}\nfaults:\n  triggers: false\n");
    assertThat(changed.status()).isEqualTo(200);
    assertThat(sim.config().quotas().defaults().rpm()).isEqualTo(1);
    assertThat(sim.config().faults().triggers()).isFalse();

    SimClient.Reply bad = client.put("/sim/config", "quotas:\n  default: {rpm: 1}\n");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body().path("error").asString()).contains("unknown config key 'default'");
  }

  @Test
  void healthz_answers_200() {
    assertThat(client.get("/healthz").status()).isEqualTo(200);
  }
}
