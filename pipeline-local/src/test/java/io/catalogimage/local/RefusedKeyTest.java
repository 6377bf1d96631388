package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.worker.provider.Providers;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A key the provider refuses is said at once, whether it is wrong from the start or revoked while
 * the pipeline runs: the endpoint is taken out of use and every item fails without a call, saying
 * which setting to fix, instead of each item spending its attempts on a key that can never work.
 */
class RefusedKeyTest {

  private static final byte[] FIVE_ITEMS =
      """
      {"name": "wrong key", "tier": "fast", "lane": "interactive",
       "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
       "items": [{"sku": "K-1", "title": "Mug"}, {"sku": "K-2", "title": "Lamp"},
                 {"sku": "K-3", "title": "Vase"}, {"sku": "K-4", "title": "Desk"},
                 {"sku": "K-5", "title": "Chair"}]}
      """
          .getBytes(StandardCharsets.UTF_8);

  private static LocalPipeline start(String apiKey) {
    return LocalPipeline.start(
        LocalPipeline.Options.defaults()
            .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0))
            .withProperty("pipeline.providers.endpoints.simulator.api-key", apiKey)
            // one call at a time: the first refusal is known before any other item is called
            .withProperty("pipeline.worker.max-in-flight", 1),
        step -> {});
  }

  @Test
  void a_key_refused_at_start_up_takes_the_endpoint_out_of_use_before_any_item_is_called() {
    try (LocalPipeline pipeline = start("not-a-valid-key")) {
      // known as soon as the worker is up: the look-up at start was refused
      assertThat(usableGauge(pipeline)).isEqualTo(0.0);
      assertThat(pipeline.workers().get(0).getBean(Providers.class).refusals())
          .containsOnlyKeys("simulator");

      String batch = Pipelines.submit(pipeline, FIVE_ITEMS);
      Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));

      assertAllFailedKeyRefused(pipeline, batch);
      // the one refused call was the free look-up: no item reached the provider
      assertThat(pipeline.simulator().stats().totals().outcome("UNAUTHENTICATED")).isEqualTo(1);
      assertThat(pipeline.simulator().stats().totals().calls()).isEqualTo(1);
      assertThat(
              Pipelines.jdbc(pipeline)
                  .sql("SELECT count(*) FROM attempts")
                  .query(Long.class)
                  .single())
          .isZero();
    }
  }

  @Test
  void a_key_revoked_while_running_is_out_of_use_after_its_first_refusal() {
    try (LocalPipeline pipeline = start(SimulatorConfig.DEFAULT_KEY)) {
      assertThat(usableGauge(pipeline)).isEqualTo(1.0);
      // the provider revokes the key: only a new one is accepted from now on
      pipeline
          .simulator()
          .reconfigure(pipeline.simulator().config().withKeys(Map.of("rotated-key", "default")));

      String batch = Pipelines.submit(pipeline, FIVE_ITEMS);
      Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));

      assertAllFailedKeyRefused(pipeline, batch);
      assertThat(usableGauge(pipeline)).isEqualTo(0.0);
      // one call was refused; nothing else reached the provider
      assertThat(pipeline.simulator().stats().totals().outcome("UNAUTHENTICATED")).isEqualTo(1);
      assertThat(pipeline.simulator().stats().totals().calls()).isEqualTo(1);
    }
  }

  private static double usableGauge(LocalPipeline pipeline) {
    return pipeline
        .workers()
        .get(0)
        .getBean(MeterRegistry.class)
        .get("pipeline.provider.endpoint_usable")
        .tag("endpoint", "simulator")
        .gauge()
        .value();
  }

  private static void assertAllFailedKeyRefused(LocalPipeline pipeline, String batch) {
    assertThat(Pipelines.states(pipeline, batch)).isEqualTo(Map.of("FAILED", 5L));
    List<Map<String, Object>> rows =
        Pipelines.jdbc(pipeline)
            .sql(
                "SELECT last_error_type, last_error_message FROM items"
                    + " WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batch)
            .query()
            .listOfRows();
    assertThat(rows)
        .allSatisfy(
            row -> {
              assertThat(row.get("last_error_type")).isEqualTo("KEY_REFUSED");
              assertThat((String) row.get("last_error_message"))
                  .contains("endpoint 'simulator' refused its API key")
                  .contains("API key not valid")
                  .contains("fix pipeline.providers.endpoints.simulator.api-key");
            });
  }
}
