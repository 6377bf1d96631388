package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.LatencyDistribution;
import io.catalogimage.simulator.fault.FaultKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A model's timeout is learnt from its successes; a model that slows down is learnt again through
 * one stretched call at a time, while a hung one is left as quickly as before. Latencies are scaled
 * down (NB2 0.3 s a call, learnt timeout about 0.9 s, the endpoint's request timeout 6 s).
 */
class SlowedModelTimeoutEndToEndTest {

  private static final String NB2 = "gemini-3.1-flash-image";
  private static final String PRO = "gemini-3-pro-image";

  private static SimulatorConfig withNb2Latency(double seconds) {
    SimulatorConfig c = SimulatorConfig.defaults().withoutPeak().withHangFor(Duration.ofMinutes(1));
    return c.withLatency(
        c.latency()
            .withModel(NB2, "1K", LatencyDistribution.of(seconds, seconds))
            .withModel(PRO, "1K", LatencyDistribution.of(0.3, 0.3)));
  }

  private static LocalPipeline pipeline;

  @BeforeAll
  static void start() {
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(withNb2Latency(0.3))
                .withProperty("pipeline.providers.endpoints.simulator.request-timeout", "6s")
                .withProperty("pipeline.timeouts.min", "500ms")
                .withProperty("pipeline.timeouts.initial[1K]", "2s")
                .withProperty("pipeline.timeouts.min-samples", "5")
                // found hung in the hang phase: stretched again 3 s later (default 10 min)
                .withProperty("pipeline.timeouts.hung-retry", "3s")
                .withProperty("pipeline.routing.breaker-open-for", "1s")
                .withProperty("pipeline.retry.backoff-base", "100ms")
                .withProperty("pipeline.retry.backoff-max", "500ms"),
            step -> {});
  }

  @AfterAll
  static void stop() {
    pipeline.close();
  }

  private static String submit(String name, int n) {
    StringJoiner items = new StringJoiner(",");
    for (int i = 0; i < n; i++) {
      items.add("{\"sku\": \"T-%02d\", \"title\": \"Timed mug %d\"}".formatted(i, i));
    }
    String batch =
        Pipelines.submit(
            pipeline,
            """
            {"name": "%s", "tier": "fast",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "altTextLocales": ["en"], "items": [%s]}
            """
                .formatted(name, items)
                .getBytes(StandardCharsets.UTF_8));
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(90));
    assertThat(Pipelines.states(pipeline, batch)).as(name).containsOnlyKeys("SUCCEEDED");
    return batch;
  }

  /** Items per model that served them. */
  private static Map<String, Long> servedBy(String batch) {
    Map<String, Long> counts = new java.util.TreeMap<>();
    Pipelines.jdbc(pipeline)
        .sql(
            "SELECT model_served, count(*) FROM items WHERE batch_id = CAST(:b AS uuid)"
                + " GROUP BY model_served")
        .param("b", batch)
        .query((rs, i) -> Map.entry(rs.getString(1), rs.getLong(2)))
        .list()
        .forEach(e -> counts.put(e.getKey(), e.getValue()));
    return counts;
  }

  /** The batch's NB2 image calls: outcome and how long each took, in the order they went. */
  private static List<Map<String, Object>> nb2Calls(String batch) {
    return Pipelines.jdbc(pipeline)
        .sql(
            """
            SELECT outcome, started_at, finished_at,
                   extract(epoch FROM finished_at - started_at) AS seconds,
                   CAST(substring(decision FROM 'no answer within ([0-9.]+)s') AS numeric)
                     AS timeout
              FROM attempts
             WHERE batch_id = CAST(:b AS uuid) AND model_requested = :m AND purpose = 'image'
             ORDER BY started_at
            """)
        .param("b", batch)
        .param("m", NB2)
        .query()
        .listOfRows();
  }

  /** Every image call of the batch, for failure messages. */
  private static List<String> calls(String batch) {
    return Pipelines.jdbc(pipeline)
        .sql(
            """
            SELECT a.model_requested || ' ' || a.outcome || ' '
                   || round(extract(epoch FROM a.finished_at - a.started_at), 1) || ' s '
                   || coalesce(a.routed, '') || ' | ' || coalesce(a.decision, '')
              FROM attempts a
             WHERE a.batch_id = CAST(:b AS uuid) AND a.purpose = 'image' ORDER BY a.started_at
            """)
        .param("b", batch)
        .query(String.class)
        .list();
  }

  /** The timeout a call that timed out had, from its decision's words. */
  private static double timeout(Map<String, Object> call) {
    return ((Number) call.get("timeout")).doubleValue();
  }

  private static double seconds(Map<String, Object> call) {
    return ((Number) call.get("seconds")).doubleValue();
  }

  @Test
  void aSlowedModelIsLearntAndServesAgainWhileAHungOneIsLeftQuickly() {
    // NB2 at 0.3 s: its timeout is learnt (3 x 0.3 s)
    assertThat(servedBy(submit("learn", 8))).containsEntry(NB2, 8L);

    // hung: every call times out; items move to Pro after two tries on NB2
    pipeline.simulator().reconfigure(withNb2Latency(0.3).withFaultRate(NB2, FaultKind.HANG, 1.0));
    long started = System.nanoTime();
    String hung = submit("hung", 12);
    Duration hungTook = Duration.ofNanos(System.nanoTime() - started);
    assertThat(servedBy(hung)).containsEntry(PRO, 12L);
    List<Map<String, Object>> hungCalls = nb2Calls(hung);
    assertThat(hungCalls).allMatch(c -> "TIMEOUT".equals(c.get("outcome")));
    // only the stretched call waits longer than the learnt timeout (about 1.5-2 s; stretched twice
    // that, then the endpoint's 6 s), one at a time
    double normal = hungCalls.stream().mapToDouble(c -> timeout(c)).min().orElseThrow();
    List<Map<String, Object>> longOnes =
        hungCalls.stream().filter(c -> timeout(c) > normal).toList();
    for (int i = 1; i < longOnes.size(); i++) {
      assertThat(((java.sql.Timestamp) longOnes.get(i).get("started_at")).toInstant())
          .as("one stretched call at a time: %s", longOnes)
          .isAfterOrEqualTo(
              ((java.sql.Timestamp) longOnes.get(i - 1).get("finished_at")).toInstant());
    }
    // the timeouts above are the check; this only catches items stuck on NB2 (a loaded machine
    // takes a few times the 3 s of a quiet one)
    assertThat(hungTook).as("left quickly: %s", hungCalls).isLessThan(Duration.ofSeconds(90));

    // slowed down from 0.3 s to 2.5 s a call (beyond its learnt timeout): one stretched call at a
    // time finds the new latency, and NB2 serves again
    pipeline.simulator().reconfigure(withNb2Latency(2.5));
    // batches until one of NB2's calls waited long enough to succeed: right after the hang, NB2's
    // circuit is open and its stretch held back for hung-retry, so the first batch may go to Pro
    // before any call on NB2 is made
    List<String> slowedBatches = new java.util.ArrayList<>();
    await("a call that waited long enough succeeded on NB2")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              slowedBatches.add(submit("slowed", 8));
              return nb2Calls(slowedBatches.get(slowedBatches.size() - 1)).stream()
                  .anyMatch(c -> "SUCCEEDED".equals(c.get("outcome")) && seconds(c) >= 2.5);
            });
    String slowed = slowedBatches.get(slowedBatches.size() - 1);
    // the calls that went with the old timeout meanwhile opened NB2's circuit; once its half-open
    // probes succeed (at the new latency) every item goes to NB2 again and none times out
    List<String> after = new java.util.ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              after.add(submit("after", 8));
              return servedBy(after.get(after.size() - 1)).equals(Map.of(NB2, 8L));
            });
    for (String b : after) {
      assertThat(nb2Calls(b)).as(b).noneMatch(c -> "TIMEOUT".equals(c.get("outcome")));
    }
    String last = after.get(after.size() - 1);
    assertThat(nb2Calls(last))
        .as("the new latency is learnt: no call times out: %s", calls(last))
        .hasSize(8)
        .noneMatch(c -> "TIMEOUT".equals(c.get("outcome")));
    System.out.printf(
        "hung batch: %.1f s, NB2 calls %d (stretched: %s); slowed batch served by %s%n",
        hungTook.toMillis() / 1000.0,
        hungCalls.size(),
        longOnes.stream().map(c -> String.format("%.1f s", seconds(c))).toList(),
        servedBy(slowed));
    System.out.printf(
        "batches of 8 until a stretched success: %d; then until all on NB2: %d%n",
        slowedBatches.size(), after.size());
  }
}
