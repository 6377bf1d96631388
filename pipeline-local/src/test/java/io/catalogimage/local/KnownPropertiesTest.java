package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.local.config.KnownProperties;
import io.catalogimage.local.config.KnownProperties.App;
import org.junit.jupiter.api.Test;

/** What the deployment checks rest on: a real setting is known, a typo or another app's is not. */
class KnownPropertiesTest {

  private static final KnownProperties WORKER = KnownProperties.of(App.WORKER);
  private static final KnownProperties API = KnownProperties.of(App.API);

  @Test
  void variables_are_known_as_spring_binds_them_and_typos_are_not() {
    assertThat(WORKER.knowsVariable("PIPELINE_WORKER_MAXINFLIGHT")).isTrue();
    assertThat(WORKER.knowsVariable("PIPELINE_WORKER_MAXINFLIGT")).isFalse();
    assertThat(WORKER.knowsVariable("PIPELINE_PROVIDERS_ENDPOINTS_GOOGLE_APIKEY")).isTrue();
    assertThat(WORKER.knowsVariable("PIPELINE_PROVIDERS_ENDPOINTS_GOOGLE_APIKYE")).isFalse();
    assertThat(WORKER.knowsVariable("PIPELINE_BUDGETS_DEFAULTS_REQUESTSPERMINUTE")).isTrue();
    assertThat(WORKER.knowsVariable("PIPELINE_KAFKA_LANES_0_")).isTrue();
    assertThat(WORKER.knowsVariable("SPRING_DATASOURCE_PASWORD")).isFalse();
    assertThat(WORKER.knowsVariable("SPRING_KAFKA_CONSUMER_PROPERTIES_METADATA_MAX_AGE_MS"))
        .isTrue();
    assertThat(WORKER.knowsVariable("PIPELINE_STORAGE_ENDPOINT_HOST")).isFalse();
  }

  @Test
  void each_app_knows_its_own_settings_only() {
    assertThat(API.knowsVariable("PIPELINE_SCHEDULES_CREDENTIALSKEY")).isTrue();
    assertThat(WORKER.knowsVariable("PIPELINE_SCHEDULES_CREDENTIALSKEY")).isFalse();
    // the admin token guards both apps' actuator endpoints
    assertThat(WORKER.knowsVariable("PIPELINE_SECURITY_ADMINTOKEN")).isTrue();
    assertThat(API.knowsVariable("PIPELINE_WORKER_SHUTDOWNGRACE")).isFalse();
    assertThat(KnownProperties.of(App.values()).knows("pipeline.worker.shutdown-grace")).isTrue();
  }

  @Test
  void file_names_are_known_with_map_keys_list_indexes_and_record_components() {
    KnownProperties both = KnownProperties.of(App.values());
    assertThat(both.knows("pipeline.budgets.models[gemini-3.1-flash-image].requests-per-minute"))
        .isTrue();
    assertThat(both.knows("pipeline.budgets.models[gemini-3.1-flash-image].requests-per-minit"))
        .isFalse();
    assertThat(both.knows("pipeline.catalog.tiers.fast[1]")).isTrue();
    assertThat(both.knows("pipeline.providers.endpoints.gw.model-ids.gemini-3-pro-image")).isTrue();
    assertThat(both.knows("pipeline.providers.endpoints.gw.modelIds.x")).isTrue();
    assertThat(both.knows("pipeline.providers.endpoint.gw.base-url")).isFalse();
    assertThat(both.knows("management.endpoint.health.probes.enabled")).isTrue();
    assertThat(both.knows("spring.config.additional-location")).isTrue();
  }
}
