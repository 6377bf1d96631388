package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.SimulatorConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A key the provider refuses is said at once: the first refusal takes the endpoint out of use and
 * every other item fails without a call, saying which setting to fix, instead of each item spending
 * its attempts on a key that can never work.
 */
class RefusedKeyTest {

  private static LocalPipeline pipeline;

  @BeforeAll
  static void start() {
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0))
                .withProperty("pipeline.providers.endpoints.simulator.api-key", "not-a-valid-key")
                // one call at a time: the first refusal is known before any other item is called
                .withProperty("pipeline.worker.max-in-flight", 1),
            step -> {});
  }

  @AfterAll
  static void stop() {
    pipeline.close();
  }

  @Test
  void theFirstRefusalTakesTheEndpointOutOfUseAndTheOtherItemsFailWithoutACall() {
    String batch =
        Pipelines.submit(
            pipeline,
            """
            {"name": "wrong key", "tier": "fast", "lane": "interactive",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "items": [{"sku": "K-1", "title": "Mug"}, {"sku": "K-2", "title": "Lamp"},
                       {"sku": "K-3", "title": "Vase"}, {"sku": "K-4", "title": "Desk"},
                       {"sku": "K-5", "title": "Chair"}]}
            """
                .getBytes(StandardCharsets.UTF_8));

    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));

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
    // one call was refused; nothing else reached the provider
    assertThat(pipeline.simulator().stats().totals().outcome("UNAUTHENTICATED")).isEqualTo(1);
    assertThat(pipeline.simulator().stats().totals().calls()).isEqualTo(1);
  }
}
