package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.local.config.KnownProperties;
import io.catalogimage.local.config.LocalConfigFile;
import io.catalogimage.worker.provider.ProviderProperties;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/pipeline.yml is what a merchant copies to use their own keys: every setting in it must
 * be one the apps really have, and it must bind to what it says, with keys from the environment.
 */
class ExampleConfigurationTest {

  private static final Path EXAMPLE =
      Path.of("..").toAbsolutePath().normalize().resolve("examples/pipeline.yml");

  @Test
  void every_setting_of_the_example_is_a_setting_of_the_api_or_the_worker() {
    LocalConfigFile file = LocalConfigFile.load(EXAMPLE, Map.of());

    assertThat(file.settings()).hasSizeGreaterThan(20);
    assertThat(file.unknownSettings(KnownProperties.of(KnownProperties.App.values()))).isEmpty();
    file.validate();
  }

  @Test
  void with_every_key_set_the_three_endpoints_bind_in_order_with_keys_from_the_environment() {
    LocalConfigFile file =
        LocalConfigFile.load(
            EXAMPLE,
            Map.of(
                "GEMINI_API_KEY", "g-key",
                "OPENAI_API_KEY", "o-key",
                "GATEWAY_API_KEY", "gw-key",
                "GATEWAY_BASE_URL", "https://gw.example.net"));
    ProviderProperties providers = file.providers();

    assertThat(providers.usable().keySet()).containsExactly("gateway", "google", "openai");
    ProviderProperties.Endpoint gateway = providers.endpoints().get("gateway");
    assertThat(gateway.protocol()).isEqualTo("openai");
    assertThat(gateway.baseUrl()).isEqualTo(URI.create("https://gw.example.net"));
    assertThat(gateway.apiKey()).isEqualTo("gw-key");
    assertThat(gateway.wireModelId("gemini-3-pro-image")).isEqualTo("gemini-3-pro-image-preview");
    assertThat(gateway.pricePerImage().get("gemini-3-pro-image")).isEqualByComparingTo("0.09");
    assertThat(providers.endpoints().get("google").apiKey()).isEqualTo("g-key");
    assertThat(providers.endpoints().get("openai").apiKey()).isEqualTo("o-key");
    assertThat(file.budgets().forModel("gemini-3.1-flash-image").requestsPerMinute()).isEqualTo(15);
    assertThat(file.catalog().tiers().get("openai"))
        .containsExactly("gpt-image-1.5", "gpt-image-1");
    assertThat(file.tiersWithoutEndpoints(ModelCatalog.defaults())).isEmpty();
  }

  @Test
  void with_only_a_gemini_key_google_serves_everything_of_gemini_and_the_rest_is_said() {
    LocalConfigFile file = LocalConfigFile.load(EXAMPLE, Map.of("GEMINI_API_KEY", "g-key"));

    assertThat(file.providers().usable().keySet()).containsExactly("google");
    assertThat(file.endpointSummaries(ModelCatalog.defaults()))
        .filteredOn(e -> e.name().equals("openai"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.hasKey()).isFalse();
              assertThat(e.describe()).contains("OPENAI_API_KEY is not set").contains("NOT USED");
            });
    assertThat(file.tiersWithoutEndpoints(ModelCatalog.defaults()))
        .containsExactly("tier 'openai': gpt-image-1.5, gpt-image-1");
  }

  @Test
  void a_typo_is_reported_and_a_bad_value_stops_with_the_setting_named(@TempDir Path dir)
      throws Exception {
    Path typo = dir.resolve("typo.yml");
    Files.writeString(
        typo,
        """
        pipeline:
          provider:
            endpoints: {google: {base-url: https://x.example}}
          budgets:
            models:
              "[gemini-3.1-flash-image]": {requests-per-minut: 10}
          worker:
            max-in-flight: 100
        """);
    LocalConfigFile file = LocalConfigFile.load(typo, Map.of());
    assertThat(file.unknownSettings(KnownProperties.of(KnownProperties.App.values())))
        .containsExactlyInAnyOrder(
            "pipeline.provider.endpoints.google.base-url",
            "pipeline.budgets.models[gemini-3.1-flash-image].requests-per-minut");

    Path bad = dir.resolve("bad.yml");
    Files.writeString(
        bad,
        """
        pipeline.providers.endpoints.gw:
          protocol: grpc
          base-url: https://x.example
        """);
    assertThatThrownBy(() -> LocalConfigFile.load(bad, Map.of()).validate())
        .hasMessageContaining("pipeline.providers")
        .hasMessageContaining("gemini or openai");
  }
}
