package io.catalogimage.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.worker.provider.ProviderProperties;
import io.catalogimage.worker.provider.Providers;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The start-up look-up of each endpoint's models, over real HTTP: against the simulator for the
 * provider's answers, against a closed port and a server that never answers for the network.
 */
class CheckProviderKeysTest {

  private static ProviderSimulator sim;

  @BeforeAll
  static void startSimulator() {
    sim = ProviderSimulator.start(SimulatorConfig.defaults().withTimeScale(0).withoutPeak());
  }

  @AfterAll
  static void stopSimulator() {
    sim.close();
  }

  @BeforeEach
  void resetStats() {
    sim.resetStats();
  }

  private static ProviderProperties.Endpoint endpoint(
      String protocol, URI base, String key, Map<String, String> modelIds) {
    return new ProviderProperties.Endpoint(
        protocol, base, key, null, modelIds, null, null, null, null, null);
  }

  private static Providers providers(
      Map<String, ProviderProperties.Endpoint> endpoints, Duration timeout) {
    return new Providers(
        new ProviderProperties(endpoints, new ProviderProperties.KeyCheck(true, timeout)),
        ModelCatalog.defaults(),
        Json.mapper(),
        Executors.newCachedThreadPool());
  }

  private static void check(Providers providers, Duration timeout) {
    new CheckProviderKeys(
            providers,
            ModelCatalog.defaults(),
            new ProviderProperties(Map.of(), new ProviderProperties.KeyCheck(true, timeout)))
        .start();
  }

  @Test
  void a_refused_key_takes_its_endpoint_out_of_use_after_one_call_and_a_good_one_stays() {
    Map<String, ProviderProperties.Endpoint> endpoints = new LinkedHashMap<>();
    endpoints.put("google", endpoint("gemini", sim.baseUri(), "not-a-valid-key", null));
    endpoints.put("openai", endpoint("openai", sim.baseUri(), "sk-not-valid-either", null));
    endpoints.put("gateway", endpoint("gemini", sim.baseUri(), SimulatorConfig.DEFAULT_KEY, null));
    Providers providers = providers(endpoints, Duration.ofSeconds(5));

    check(providers, Duration.ofSeconds(5));

    assertThat(providers.usable("google")).isFalse();
    assertThat(providers.usable("openai")).isFalse();
    assertThat(providers.usable("gateway")).isTrue();
    assertThat(providers.refusals().get("google")).contains("API key not valid");
    assertThat(providers.refusals().get("openai")).contains("invalid_api_key");
    assertThat(providers.forModel("gemini-3.1-flash-image").orElseThrow().endpoint())
        .isEqualTo("gateway");
    // one refused look-up per bad key; the good key's look-ups are free and not calls to a model
    assertThat(sim.stats().totals().outcome("UNAUTHENTICATED")).isEqualTo(2);
    assertThat(sim.stats().totals().calls()).isEqualTo(2);
    assertThat(providers.unknownModels()).isEmpty();
  }

  @Test
  void a_model_id_the_endpoint_does_not_know_is_reported_and_the_endpoint_stays_in_use() {
    Providers providers =
        providers(
            Map.of(
                "gateway",
                endpoint(
                    "gemini",
                    sim.baseUri(),
                    SimulatorConfig.DEFAULT_KEY,
                    Map.of("gemini-3-pro-image", "gemini-3-pro-imag"))),
            Duration.ofSeconds(5));

    check(providers, Duration.ofSeconds(5));

    assertThat(providers.usable("gateway")).isTrue();
    assertThat(providers.unknownModels()).containsOnlyKeys("gateway gemini-3-pro-image");
    assertThat(providers.unknownModels().get("gateway gemini-3-pro-image"))
        .contains("models/gemini-3-pro-imag is not found");
  }

  @Test
  void an_unreachable_or_silent_provider_leaves_the_endpoint_in_use_and_start_up_goes_on()
      throws IOException {
    List<Socket> held = new ArrayList<>();
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    try (ServerSocket silent = new ServerSocket(0)) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(silent.accept()); // read nothing, answer nothing
                  }
                } catch (IOException closed) {
                  // the test is over
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      Map<String, ProviderProperties.Endpoint> endpoints = new LinkedHashMap<>();
      endpoints.put(
          "down", endpoint("gemini", URI.create("http://127.0.0.1:" + closedPort), "k", null));
      endpoints.put(
          "silent",
          endpoint("openai", URI.create("http://127.0.0.1:" + silent.getLocalPort()), "k", null));
      Providers providers = providers(endpoints, Duration.ofMillis(500));

      long started = System.nanoTime();
      check(providers, Duration.ofMillis(500));
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(providers.usable("down")).isTrue();
      assertThat(providers.usable("silent")).isTrue();
      assertThat(providers.refusals()).isEmpty();
      // bounded (twice the timeout plus a second) whatever the network does: no hang
      assertThat(took).isLessThan(Duration.ofSeconds(30));
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
