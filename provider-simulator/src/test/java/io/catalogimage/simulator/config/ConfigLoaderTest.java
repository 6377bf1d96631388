package io.catalogimage.simulator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.fault.FaultKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final String YAML =
      """
      port: 8090
      seed: 7
      timeScale: 0.5
      apiKeys:
        key-a: shop
        key-b: shop
      gemini:
        aliasMode: NOT_FOUND
        downgradeModel: gemini-3-pro-image
      quotas:
        defaults: {rpm: 50}
        projects:
          shop:
            gemini-3-pro-image: {rpm: 10, rpd: 250}
      peak:
        zone: Europe/Berlin
        windows: ["09:00-12:00", "22:00-01:00"]
        models:
          gemini-3.1-flash-image:
            latencyFactor: 3
            faults: {HTTP_503: 0.2}
      latency:
        fixed: 20s
        fast: {min: 500ms, max: 1.5s}
        models:
          gemini-3.1-flash-image:
            "4K": {median: 40s, p95: 70s}
      faults:
        triggers: false
        rates: {IMAGE_SAFETY: 0.02}
        models:
          gemini-3.1-flash-image: {IMAGE_SAFETY: 0.05}
      server:
        host: 127.0.0.1
        httpThreads: 3
      """;

  @Test
  void yaml_overrides_only_the_keys_it_names(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sim.yml");
    Files.writeString(file, YAML);

    SimulatorConfig c = ConfigLoader.load(new String[] {"--config", file.toString()}, Map.of());

    assertThat(c.port()).isEqualTo(8090);
    assertThat(c.seed()).isEqualTo(7);
    assertThat(c.timeScale()).isEqualTo(0.5);
    assertThat(c.apiKeys()).containsExactly(Map.entry("key-a", "shop"), Map.entry("key-b", "shop"));
    assertThat(c.gemini().aliasMode()).isEqualTo(AliasMode.NOT_FOUND);
    assertThat(c.gemini().downgradeModel()).isEqualTo("gemini-3-pro-image");
    assertThat(c.gemini().lenientImageSize()).isFalse();
    assertThat(c.quotas().limitsFor("shop", "gemini-3-pro-image"))
        .isEqualTo(new QuotaLimits(10, 1_000_000, 250));
    assertThat(c.quotas().limitsFor("shop", "gemini-3.1-flash-image"))
        .isEqualTo(new QuotaLimits(50, 1_000_000, 100_000_000));
    assertThat(c.peak().zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(c.peak().windows())
        .extracting(PeakWindow::toString)
        .containsExactly("09:00-12:00", "22:00-01:00");
    PeakProfile nb2 = c.peak().profileFor("gemini-3.1-flash-image");
    assertThat(nb2.latencyFactor()).isEqualTo(3.0);
    assertThat(nb2.quotaFactor()).as("kept from the default profile").isEqualTo(0.5);
    assertThat(nb2.faultRates()).containsExactly(Map.entry(FaultKind.HTTP_503, 0.2));
    assertThat(c.peak().profileFor("gemini-3-pro-image").latencyFactor()).isEqualTo(1.2);
    assertThat(c.latency().fixed()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.latency().fastMin()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.latency().fastMax()).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.latency().distributionFor("gemini-3.1-flash-image", "4K").p95())
        .isEqualTo(Duration.ofSeconds(70));
    assertThat(c.latency().distributionFor("gemini-3.1-flash-image", "1K").median())
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(c.faults().triggers()).isFalse();
    assertThat(c.faults().rateFor("gemini-3-pro-image", FaultKind.IMAGE_SAFETY)).isEqualTo(0.02);
    assertThat(c.faults().rateFor("gemini-3.1-flash-image", FaultKind.IMAGE_SAFETY))
        .isEqualTo(0.05);
    assertThat(c.server().host()).isEqualTo("127.0.0.1");
    assertThat(c.server().httpThreads()).isEqualTo(3);
  }

  @Test
  void environment_overrides_the_file_and_flags_override_the_environment(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("sim.yml");
    Files.writeString(file, "port: 8090\nseed: 1\n");
    Map<String, String> env =
        Map.of(
            "SIM_CONFIG", file.toString(),
            "SIM_PORT", "9000",
            "SIM_TIME_SCALE", "0.01",
            "SIM_SEED", "5",
            "SIM_API_KEYS", "k1=alpha, k2=beta,k3");

    SimulatorConfig c = ConfigLoader.load(new String[] {"--port", "9100", "--seed=6"}, env);

    assertThat(c.port()).isEqualTo(9100);
    assertThat(c.seed()).isEqualTo(6);
    assertThat(c.timeScale()).isEqualTo(0.01);
    assertThat(c.apiKeys())
        .containsExactly(
            Map.entry("k1", "alpha"), Map.entry("k2", "beta"), Map.entry("k3", "default"));
  }

  @Test
  void standalone_answers_with_real_size_images_unless_told_small() {
    assertThat(ConfigLoader.load(new String[0], Map.of()).images())
        .isEqualTo(ImageSettings.realistic());
    assertThat(ConfigLoader.load(new String[] {"--images", "small"}, Map.of()).images().mode())
        .isEqualTo(ImageSettings.Mode.SMALL);
    assertThat(ConfigLoader.load(new String[0], Map.of("SIM_IMAGES", "small")).images().mode())
        .isEqualTo(ImageSettings.Mode.SMALL);
    assertThat(
            ConfigLoader.fromYaml(
                    "images: {mode: realistic, pngBytesPerPixel: 0.8}", SimulatorConfig.defaults())
                .images())
        .isEqualTo(new ImageSettings(ImageSettings.Mode.REALISTIC, 0.8, 0.35));
    assertThatThrownBy(
            () ->
                ConfigLoader.fromYaml("images: {pngBytesPerPixel: 9}", SimulatorConfig.defaults()))
        .hasMessageContaining("images.pngBytesPerPixel must be in 0.05..3");
  }

  @Test
  void time_scale_flag_is_accepted() {
    assertThat(ConfigLoader.load(new String[] {"--time-scale", "0"}, Map.of()).timeScale())
        .isZero();
  }

  @Test
  void an_unknown_key_is_reported_with_its_path() {
    assertThatThrownBy(
            () ->
                ConfigLoader.fromYaml(
                    "quotas:\n  projects:\n    p:\n      m: {rpx: 1}\n",
                    SimulatorConfig.defaults()))
        .isInstanceOf(ConfigLoader.ConfigException.class)
        .hasMessageContaining("unknown config key 'rpx' at 'quotas.projects.p.m'");
  }

  @Test
  void an_unknown_fault_kind_is_reported() {
    assertThatThrownBy(
            () ->
                ConfigLoader.fromYaml(
                    "faults:\n  rates: {BOOM: 0.1}\n", SimulatorConfig.defaults()))
        .hasMessageContaining("unknown fault kind 'BOOM'");
  }

  @Test
  void rates_adding_up_to_more_than_one_are_refused() {
    assertThatThrownBy(
            () ->
                ConfigLoader.fromYaml(
                    "faults:\n  rates: {HTTP_503: 0.7, HTTP_500: 0.6}\n",
                    SimulatorConfig.defaults()))
        .hasMessageContaining("add up to more than 1");
  }

  @Test
  void a_bad_duration_is_reported_with_its_path() {
    assertThatThrownBy(
            () -> ConfigLoader.fromYaml("latency:\n  fixed: soon\n", SimulatorConfig.defaults()))
        .hasMessageContaining("latency.fixed");
  }

  @Test
  void unknown_flags_are_refused_with_usage() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--prot", "1"}, Map.of()))
        .hasMessageContaining("unknown flag --prot")
        .hasMessageContaining("usage:");
  }

  @Test
  void the_written_document_reads_back_to_the_same_config() {
    SimulatorConfig original =
        SimulatorConfig.defaults()
            .withSeed(3)
            .withQuota("p", "*", 1, 2, 3)
            .withFixedLatency(Duration.ofMillis(250))
            .withFaultRate("gpt-image-1", FaultKind.INSUFFICIENT_QUOTA, 0.1)
            .withPeak(ZoneId.of("America/New_York"), "08:00-09:30");

    SimulatorConfig copy =
        ConfigLoader.fromYaml(
            ConfigDocument.toTree(original).toString(), SimulatorConfig.defaults());

    assertThat(copy).isEqualTo(original);
  }

  @Test
  void durations_accept_friendly_and_iso_forms() {
    assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("PT2H")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("3")).isEqualTo(Duration.ofSeconds(3));
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
  }
}
