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
 * Items parked until a daily quota's reset (no next model for them) finish as soon as the fleet's
 * re-probe finds the quota raised, not at midnight Pacific: one of them makes the re-probe when
 * nothing else asks for the model, and its success wakes the others on every worker.
 */
class ParkedItemsReprobeEndToEndTest {

  private static final String NB2 = "gemini-3.1-flash-image";
  private static final SimulatorConfig SIMULATOR =
      SimulatorConfig.defaults().withoutPeak().withTimeScale(0);

  private static LocalPipeline pipeline;

  @BeforeAll
  static void start() {
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withWorkers(2)
                // NB2 allows 3 calls a day
                .withSimulator(SIMULATOR.withQuota("default", NB2, 6000, 6000, 3))
                .withProperty("pipeline.budgets.models[" + NB2 + "].requests-per-minute", 6000)
                .withProperty("pipeline.budgets.learning.enabled", false)
                // a used-up quota parks the items on NB2 (their chain's next model is not asked)
                .withProperty("pipeline.routing.reroute-on-quota", false)
                // re-probed after 3 s, then 6 s (default 5 min, doubling up to 1 h)
                .withProperty("pipeline.budgets.exhausted-reprobe", "3s"),
            step -> {});
  }

  @AfterAll
  static void stop() {
    pipeline.close();
  }

  private static long nb2QuotaRefusals() {
    return pipeline.simulator().stats().model(NB2).quotaLimited();
  }

  /** When the parked items of the batch were told to come back: the quota's reset. */
  private static Instant parkedUntil(String batch) {
    return Pipelines.jdbc(pipeline)
        .sql(
            "SELECT min(not_before) FROM items WHERE batch_id = CAST(:b AS uuid)"
                + " AND state = 'QUEUED' AND next_model = :m")
        .param("b", batch)
        .param("m", NB2)
        .query(Timestamp.class)
        .single()
        .toInstant();
  }

  private static long parked(String batch) {
    return Pipelines.jdbc(pipeline)
        .sql(
            "SELECT count(*) FROM items WHERE batch_id = CAST(:b AS uuid) AND state = 'QUEUED'"
                + " AND next_model = :m AND not_before > :later")
        .param("b", batch)
        .param("m", NB2)
        .param("later", Timestamp.from(Instant.now().plus(Duration.ofMinutes(30))))
        .query(Long.class)
        .single();
  }

  /** The batch's image calls in the order they went: item, outcome, decision. */
  private static java.util.List<String> calls(String batch) {
    return Pipelines.jdbc(pipeline)
        .sql(
            """
            SELECT i.sku || ' ' || a.worker_id || ' ' || a.started_at || ' ' || a.outcome || ': '
                   || coalesce(a.decision, '')
              FROM attempts a JOIN items i ON i.item_id = a.item_id
             WHERE i.batch_id = CAST(:b AS uuid) AND a.purpose = 'image' ORDER BY a.started_at
            """)
        .param("b", batch)
        .query(String.class)
        .list();
  }

  @Test
  void parkedItemsFinishOnceTheRaisedQuotaIsReprobedWithOneProbeWhileItWasOut() {
    StringJoiner items = new StringJoiner(",");
    for (int i = 0; i < 8; i++) {
      items.add("{\"sku\": \"P-%02d\", \"title\": \"Parked mug %d\"}".formatted(i, i));
    }
    String batch =
        Pipelines.submit(
            pipeline,
            """
            {"name": "parked", "tier": "fast",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "altTextLocales": ["en"], "items": [%s]}
            """
                .formatted(items)
                .getBytes(StandardCharsets.UTF_8));

    // 3 succeed, the other 5 hear (or are told) the quota used up and are parked until the reset
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> parked(batch) == 5);
    long refusedBefore = nb2QuotaRefusals();
    Instant parkedAt = Instant.now();
    Instant reset = parkedUntil(batch); // at least 30 min out (checked by parked())

    // nothing else asks for NB2: a parked item is woken to make the re-probe, which hears the quota
    // still used up (the item is parked again, the next re-probe 6 s out)
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> nb2QuotaRefusals() > refusedBefore);
    pipeline.simulator().reconfigure(SIMULATOR); // the merchant's quota is raised
    long probesWhileOut = nb2QuotaRefusals() - refusedBefore;

    Instant raised = Instant.now();
    Duration firstProbeAfter = Duration.between(parkedAt, raised);
    // a slow machine may take a minute or two; waiting for the reset would take 30 min or more
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofMinutes(5));
    Instant completed = Instant.now();
    Duration tookAfterRaise = Duration.between(raised, completed);

    assertThat(probesWhileOut)
        .as("one re-probe call while the quota was out; calls: %s", calls(batch))
        .isEqualTo(1);
    assertThat(nb2QuotaRefusals() - refusedBefore).as("no other call refused").isEqualTo(1);
    assertThat(Pipelines.states(pipeline, batch)).containsOnlyKeys("SUCCEEDED");
    assertThat(completed).as("woken by the next re-probe, not the reset").isBefore(reset);
    // none paid twice: one successful NB2 call per item, and the ledger agrees
    assertThat(pipeline.simulator().stats().model(NB2).outcome("SUCCESS")).isEqualTo(8);
    long succeededAttempts =
        Pipelines.jdbc(pipeline)
            .sql(
                "SELECT count(*) FROM attempts a JOIN items i ON i.item_id = a.item_id"
                    + " WHERE i.batch_id = CAST(:b AS uuid) AND a.outcome = 'SUCCEEDED'"
                    + " AND a.purpose = 'image' AND a.model_requested = :m")
            .param("m", NB2)
            .param("b", batch)
            .query(Long.class)
            .single();
    assertThat(succeededAttempts).isEqualTo(8);
    System.out.printf(
        "5 items parked; first re-probe (a woken parked item) %.1f s later; quota raised; batch"
            + " completed %.1f s after the raise (parked at %s, raised at %s); calls:%n  %s%n",
        firstProbeAfter.toMillis() / 1000.0,
        tookAfterRaise.toMillis() / 1000.0,
        parkedAt,
        raised,
        String.join("\n  ", calls(batch)));
  }
}
