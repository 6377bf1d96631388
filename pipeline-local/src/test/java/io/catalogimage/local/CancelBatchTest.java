package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.catalogimage.simulator.SimulatorConfig;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cancel while a batch runs: what was waiting stops at once, the calls in flight finish, and
 * nothing is called after the cancel.
 */
class CancelBatchTest {

  private static final int ITEMS = 20;

  private static LocalPipeline pipeline;
  private static ApiClient api;
  private static String batchId;
  private static ApiClient.Answer cancelled;
  private static Instant cancelledAt;

  @BeforeAll
  static void cancelARunningBatch() {
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(
                    SimulatorConfig.defaults()
                        .withoutPeak()
                        .withFixedLatency(Duration.ofSeconds(2)))
                .withProperty("pipeline.worker.max-in-flight", 3)
                .withProperty("spring.kafka.consumer.max-poll-records", 3)
                .withProperty("pipeline.dispatch.max-outstanding-per-lane", 3),
            step -> {});
    api = pipeline.client();
    StringJoiner items = new StringJoiner(",");
    // the first product is among the first calls, and its call fails after the cancel
    items.add("{\"sku\": \"FAILS\", \"title\": \"Lamp [sim:HTTP_500]\"}");
    for (int i = 1; i < ITEMS; i++) {
      items.add("{\"sku\": \"C-%02d\", \"title\": \"Product %d\"}".formatted(i, i));
    }
    batchId =
        Pipelines.submit(
            pipeline,
            """
            {"name": "to-cancel", "tier": "fast",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "altTextLocales": ["en"], "items": [%s]}
            """
                .formatted(items)
                .getBytes(StandardCharsets.UTF_8));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> callsStarted() >= 2); // calls in flight, not just items claimed
    cancelledAt = Instant.now();
    cancelled = api.post("/v1/batches/" + batchId + "/cancel");
    Pipelines.awaitCompleted(pipeline, batchId, Duration.ofSeconds(60));
  }

  private static long callsStarted() {
    return Pipelines.jdbc(pipeline)
        .sql("SELECT count(*) FROM attempts WHERE batch_id = CAST(:b AS uuid)")
        .param("b", batchId)
        .query(Long.class)
        .single();
  }

  @AfterAll
  static void stop() {
    pipeline.close();
  }

  @Test
  void cancel_answers_with_how_many_items_it_stopped() {
    assertThat(cancelled.status()).isEqualTo(202);
    assertThat(cancelled.body().path("cancelledItems").asInt()).isPositive();
    assertThat(cancelled.body().path("batch").path("id").asString()).isEqualTo(batchId);
  }

  @Test
  void waiting_items_end_cancelled_and_calls_in_flight_finish() {
    var states = Pipelines.states(pipeline, batchId);

    assertThat(states).containsOnlyKeys("SUCCEEDED", "CANCELLED");
    assertThat(states.get("SUCCEEDED") + states.get("CANCELLED")).isEqualTo(ITEMS);
    // at least those cancelled by the request itself; items a worker held but had not called
    // yet are cancelled by the worker
    assertThat(states.get("CANCELLED"))
        .isGreaterThanOrEqualTo((long) cancelled.body().path("cancelledItems").asInt());
    assertThat(states.get("SUCCEEDED")).isBetween(1L, (long) ITEMS - 1);
  }

  @Test
  void no_call_starts_after_the_cancel() {
    Timestamp lastStart =
        Pipelines.jdbc(pipeline)
            .sql("SELECT max(started_at) FROM attempts WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batchId)
            .query(Timestamp.class)
            .single();
    long cancelledCalls =
        Pipelines.jdbc(pipeline)
            .sql(
                """
                SELECT count(*) FROM attempts a JOIN items i ON i.item_id = a.item_id
                 WHERE i.batch_id = CAST(:b AS uuid) AND i.state = 'CANCELLED'
                   AND i.sku <> 'FAILS'
                """)
            .param("b", batchId)
            .query(Long.class)
            .single();

    assertThat(lastStart.toInstant()).isBefore(cancelledAt.plusMillis(500));
    assertThat(cancelledCalls).isZero();
  }

  @Test
  void a_call_that_fails_after_the_cancel_is_not_retried() {
    var outcomes =
        Pipelines.jdbc(pipeline)
            .sql(
                """
                SELECT a.outcome FROM attempts a JOIN items i ON i.item_id = a.item_id
                 WHERE i.batch_id = CAST(:b AS uuid) AND i.sku = 'FAILS' ORDER BY a.attempt_no
                """)
            .param("b", batchId)
            .query(String.class)
            .list();
    String state =
        Pipelines.jdbc(pipeline)
            .sql("SELECT state FROM items WHERE batch_id = CAST(:b AS uuid) AND sku = 'FAILS'")
            .param("b", batchId)
            .query(String.class)
            .single();

    assertThat(state).isEqualTo("CANCELLED");
    // one failed call (in flight at the cancel), or none if it was still waiting: never a retry
    assertThat(outcomes).hasSizeLessThanOrEqualTo(1).allMatch("SERVER_ERROR"::equals);
  }

  @Test
  void cancelling_an_unknown_batch_is_a_404() {
    assertThat(api.post("/v1/batches/01a20000-0000-7000-8000-000000000000/cancel").status())
        .isEqualTo(404);
  }
}
