package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.pricing.TokenUsage;
import java.math.BigDecimal;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Endpoint configuration alone decides who serves a model and what it costs. */
class ProvidersTest {

  private static final TokenUsage NB2_2K = new TokenUsage(20, 0, 100, 1680, 0);

  private static ProviderProperties.Endpoint endpoint(String protocol, String... modelPricePairs) {
    return keyed(protocol, "k", modelPricePairs);
  }

  private static ProviderProperties.Endpoint keyed(
      String protocol, String key, String... modelPricePairs) {
    Map<String, BigDecimal> prices = new LinkedHashMap<>();
    for (int i = 0; i < modelPricePairs.length; i += 2) {
      prices.put(modelPricePairs[i], new BigDecimal(modelPricePairs[i + 1]));
    }
    return new ProviderProperties.Endpoint(
        protocol,
        URI.create("https://gateway.example"),
        key,
        null,
        null,
        null,
        null,
        null,
        prices,
        null);
  }

  private static Providers providers(Map<String, ProviderProperties.Endpoint> endpoints) {
    return new Providers(
        new ProviderProperties(endpoints), ModelCatalog.defaults(), Json.mapper(), Runnable::run);
  }

  @Test
  void a_gateway_price_for_one_size_overrides_its_price_for_every_size() {
    Providers p =
        providers(
            Map.of(
                "gateway",
                endpoint(
                    "gemini",
                    "gemini-3.1-flash-image",
                    "0.058",
                    "gemini-3.1-flash-image@4K",
                    "0.12")));
    ImageProvider gateway = p.forModel("gemini-3.1-flash-image").orElseThrow();

    assertThat(p.price(gateway, "gemini-3.1-flash-image", "2K").cost(NB2_2K))
        .isEqualByComparingTo("0.058");
    assertThat(p.price(gateway, "gemini-3.1-flash-image", "4K").cost(NB2_2K))
        .isEqualByComparingTo("0.12");
  }

  @Test
  void models_without_a_flat_price_are_priced_by_the_tokens_reported() {
    Providers p = providers(Map.of("google", endpoint("gemini")));
    ImageProvider google = p.forModel("gemini-3.1-flash-image").orElseThrow();

    // 20 x $0.50 + 100 x $3 + 1680 x $60, per million
    assertThat(p.price(google, "gemini-3.1-flash-image", "2K").cost(NB2_2K))
        .isEqualByComparingTo("0.101110");
  }

  @Test
  void each_protocol_serves_its_own_family_unless_models_are_listed() {
    Providers p = providers(Map.of("google", endpoint("gemini"), "openai", endpoint("openai")));

    assertThat(p.forModel("gemini-3-pro-image"))
        .get()
        .extracting(ImageProvider::endpoint)
        .isEqualTo("google");
    assertThat(p.forModel("gpt-image-1.5"))
        .get()
        .extracting(ImageProvider::endpoint)
        .isEqualTo("openai");
  }

  @Test
  void the_first_endpoint_in_configuration_order_serves_a_model_every_time() {
    // many names, so that a hash order would almost surely differ from the insertion order
    for (String first : List.of("zeta", "alpha", "mid", "gateway-9", "b")) {
      Map<String, ProviderProperties.Endpoint> endpoints = new LinkedHashMap<>();
      endpoints.put(first, endpoint("gemini"));
      for (int i = 0; i < 12; i++) {
        endpoints.put("backup-" + i, endpoint("gemini"));
      }
      Providers p = providers(endpoints);

      assertThat(p.forModel("gemini-3.1-flash-image").orElseThrow().endpoint()).isEqualTo(first);
      assertThat(new ProviderProperties(endpoints).endpoints().keySet())
          .containsExactlyElementsOf(endpoints.keySet());
    }
  }

  @Test
  void an_endpoint_whose_key_is_empty_is_left_out_and_the_next_serves_its_models() {
    Map<String, ProviderProperties.Endpoint> endpoints = new LinkedHashMap<>();
    endpoints.put("gateway", keyed("gemini", ""));
    endpoints.put("google", keyed("gemini", "a-key"));
    endpoints.put("openai", keyed("openai", null));
    Providers p = providers(endpoints);

    assertThat(p.all()).extracting(ImageProvider::endpoint).containsExactly("google");
    assertThat(p.forModel("gpt-image-1.5")).isEmpty();
  }

  @Test
  void a_worker_without_any_key_refuses_to_start_and_says_which_setting_is_missing() {
    Map<String, ProviderProperties.Endpoint> endpoints = new LinkedHashMap<>();
    endpoints.put("google", keyed("gemini", " "));

    assertThatThrownBy(() -> providers(endpoints))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("GEMINI_API_KEY")
        .hasMessageContaining("pipeline.providers.endpoints.<name>.api-key");
  }

  @Test
  void an_endpoint_whose_key_was_refused_is_passed_over_for_the_next_that_serves_the_model() {
    Map<String, ProviderProperties.Endpoint> endpoints = new LinkedHashMap<>();
    endpoints.put("first", endpoint("gemini"));
    endpoints.put("second", endpoint("gemini"));
    Providers p = providers(endpoints);

    p.keyRefused("first", "PERMISSION_DENIED: wrong key");

    assertThat(p.forModel("gemini-3.1-flash-image"))
        .get()
        .extracting(ImageProvider::endpoint)
        .isEqualTo("second");
    p.keyRefused("second", "PERMISSION_DENIED: wrong key");
    assertThat(p.forModel("gemini-3.1-flash-image")).isEmpty();
    assertThat(p.whyNoEndpoint("gemini-3.1-flash-image"))
        .contains("endpoint 'first' refused its API key (PERMISSION_DENIED: wrong key)")
        .contains("fix pipeline.providers.endpoints.second.api-key");
  }
}
