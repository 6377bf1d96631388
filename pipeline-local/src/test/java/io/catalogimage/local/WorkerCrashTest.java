package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.simulator.SimulatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker process killed with SIGKILL in the middle of a batch: another worker finishes it, no
 * item is lost, none is paid for twice, no object is missing.
 */
class WorkerCrashTest {

  private LocalPipeline pipeline;
  private WorkerProcess doomed;

  @AfterEach
  void stop() {
    if (doomed != null) {
      doomed.close();
    }
    if (pipeline != null) {
      pipeline.close();
    }
  }

  @Test
  void a_batch_survives_its_worker_being_killed_mid_call() throws Exception {
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withWorkers(0)
                .withSimulator(
                    SimulatorConfig.defaults()
                        .withoutPeak()
                        .withFixedLatency(Duration.ofMillis(1500)))
                .withProperty("pipeline.worker.lease-duration", "4s")
                .withProperty("pipeline.worker.lease-renew-interval", "1s")
                .withProperty("pipeline.dispatch.reclaim-interval", "1s"),
            step -> {});
    String batchId = Pipelines.submit(pipeline, Catalogs.twoVariants("crash", 30, "en"));
    doomed =
        WorkerProcess.start(
            pipeline,
            List.of("-Xmx256m"),
            Map.of("pipeline.worker.id", "doomed", "pipeline.worker.max-in-flight", 12),
            Path.of("target", "doomed-worker.log"));

    // kill it while it has finished some items and holds calls in flight
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              Map<String, Long> s = Pipelines.states(pipeline, batchId);
              return s.getOrDefault("SUCCEEDED", 0L) >= 4 && s.getOrDefault("RUNNING", 0L) >= 4;
            });
    doomed.kill();
    long inFlightAtKill = inFlightCalls(batchId);

    pipeline.startWorker();
    Pipelines.awaitCompleted(pipeline, batchId, Duration.ofSeconds(120));

    assertThat(inFlightAtKill).as("calls in flight when the worker died").isPositive();
    assertThat(Pipelines.states(pipeline, batchId)).containsOnlyKeys("SUCCEEDED");
    var jdbc = Pipelines.jdbc(pipeline);
    List<String> paidTwice =
        jdbc.sql(
                """
                SELECT CAST(item_id AS text) FROM attempts WHERE batch_id = CAST(:b AS uuid)
                 AND outcome IN ('SUCCEEDED', 'DOWNGRADED') GROUP BY item_id HAVING count(*) > 1
                """)
            .param("b", batchId)
            .query(String.class)
            .list();
    assertThat(paidTwice).isEmpty();
    assertThat(
            jdbc.sql(
                    "SELECT count(*) FROM attempts WHERE batch_id = CAST(:b AS uuid) AND outcome = 'ABANDONED'")
                .param("b", batchId)
                .query(Long.class)
                .single())
        .as("the killed worker's calls are settled as abandoned, not left in flight")
        .isPositive();
    assertThat(
            jdbc.sql(
                    "SELECT count(*) FROM attempts WHERE batch_id = CAST(:b AS uuid) AND outcome = 'IN_FLIGHT'")
                .param("b", batchId)
                .query(Long.class)
                .single())
        .isZero();
    ObjectStore store = pipeline.api().getBean(ObjectStore.class);
    List<String> missing = new ArrayList<>();
    for (var keys :
        jdbc.sql("SELECT image_key, sidecar_key FROM items WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batchId)
            .query((rs, i) -> List.of(rs.getString(1), rs.getString(2)))
            .list()) {
      for (String key : keys) {
        if (store.get(key).isEmpty()) {
          missing.add(key);
        }
      }
    }
    assertThat(missing).isEmpty();
  }

  private long inFlightCalls(String batchId) {
    return Pipelines.jdbc(pipeline)
        .sql(
            "SELECT count(*) FROM attempts WHERE batch_id = CAST(:b AS uuid) AND outcome IN ('IN_FLIGHT', 'ABANDONED')")
        .param("b", batchId)
        .query(Long.class)
        .single();
  }
}
