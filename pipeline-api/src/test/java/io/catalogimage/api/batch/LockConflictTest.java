package io.catalogimage.api.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.catalogimage.api.ApiTestClient;
import io.catalogimage.api.ApiTestClient.Answer;
import io.catalogimage.api.ApiTestInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A batch-wide request and a worker's settle take the same rows in opposite orders: raising a
 * batch's cost cap locks the batch, then resumes its CAP_REACHED items (whose state counters it
 * updates); a settle that requeues an item of a capped batch holds that item's counter, then
 * returns the unused part of its reservation to the batch. PostgreSQL breaks the cycle by rolling
 * one of them back. The request is that one here (the settle's session waits longer before it looks
 * for deadlocks): it must be run again, not answered 500.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LockConflictTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;
  @Autowired DataSource dataSource;
  @Autowired MeterRegistry meters;

  @Test
  void aCapRaiseRacingASettleOfTheBatchWaitsForItWithoutADeadlock() throws Exception {
    UUID batch = cappedBatch(20);
    double retriesBefore = retries("CostCaps.setCap");
    Answer raised =
        whileAnotherWriterHoldsRows(
            batch,
            "CAP_REACHED",
            List.of(SETTLE_ITEM, REQUEUE_ITEM),
            List.of(RETURN_RESERVATION),
            () -> call("PUT", "/v1/batches/" + batch + "/cost-cap", "{\"costCapUsd\": 100}"));

    assertThat(raised.status()).as(String.valueOf(raised.body())).isEqualTo(200);
    assertThat(raised.body().path("resumedItems").asInt()).isEqualTo(19);
    assertThat(itemStates(batch)).isEqualTo(Map.of("QUEUED", 20L));
    assertThat(raised.body().path("batch").path("counts").path("QUEUED").asLong()).isEqualTo(20);
    assertThat(raised.body().path("batch").path("counts").path("CAP_REACHED").asLong()).isZero();
    // the items and their counters before the batch row, as a settle takes them: no cycle
    assertThat(retries("CostCaps.setCap")).isEqualTo(retriesBefore);
  }

  @Test
  void aCancelRacingASettleOfTheBatchWaitsForItWithoutADeadlock() throws Exception {
    UUID batch = cappedBatch(20);
    double retriesBefore = retries("CancelBatches.cancel");
    Answer cancelled =
        whileAnotherWriterHoldsRows(
            batch,
            "QUEUED",
            List.of(SETTLE_ITEM, REQUEUE_ITEM),
            List.of(RETURN_RESERVATION),
            () -> call("POST", "/v1/batches/" + batch + "/cancel", null));

    assertThat(cancelled.status()).as(String.valueOf(cancelled.body())).isEqualTo(202);
    assertThat(cancelled.body().path("cancelledItems").asInt()).isEqualTo(19);
    // the settled item was requeued after the cancel had looked: its batch being cancelled, the
    // worker that takes it cancels it instead of calling
    assertThat(itemStates(batch)).isEqualTo(Map.of("CANCELLED", 19L, "QUEUED", 1L));
    assertThat(
            jdbc.sql("SELECT cancelled_at IS NOT NULL FROM batches WHERE batch_id = :b")
                .param("b", batch)
                .query(Boolean.class)
                .single())
        .isTrue();
    assertThat(retries("CancelBatches.cancel")).isEqualTo(retriesBefore);
  }

  @Test
  void aCancelThatLosesADeadlockIsRunAgainWhole() throws Exception {
    UUID batch = cappedBatch(20);
    double retriesBefore = retries("CancelBatches.cancel");
    // a writer that takes the batch row first (as the expansion of an upload's items does), then
    // an item's counters: the cancel holds the counters and waits for the batch row
    Answer cancelled =
        whileAnotherWriterHoldsRows(
            batch,
            "QUEUED",
            List.of(RETURN_RESERVATION),
            List.of(SETTLE_ITEM, REQUEUE_ITEM),
            () -> call("POST", "/v1/batches/" + batch + "/cancel", null));

    assertThat(cancelled.status()).as(String.valueOf(cancelled.body())).isEqualTo(202);
    // rolled back by PostgreSQL and run again after the other writer committed: it took all 20
    assertThat(cancelled.body().path("cancelledItems").asInt()).isEqualTo(20);
    assertThat(itemStates(batch)).isEqualTo(Map.of("CANCELLED", 20L));
    assertThat(retries("CancelBatches.cancel")).isGreaterThanOrEqualTo(retriesBefore + 1);
  }

  /** A settle's first lock: its item. */
  private static final String SETTLE_ITEM =
      "SELECT 1 FROM items WHERE item_id = :item FOR NO KEY UPDATE";

  /** A requeue of the item: its row and its QUEUED state counter. */
  private static final String REQUEUE_ITEM =
      "UPDATE items SET state = 'QUEUED', version = version + 1, lease_until = NULL"
          + " WHERE item_id = :item";

  /** The unused part of a reservation back to the batch: the batch row. */
  private static final String RETURN_RESERVATION =
      "UPDATE batches SET committed_usd = committed_usd - 0.001 WHERE batch_id = :batch";

  /**
   * Leaves every item of {@code batch} but one (RUNNING) in {@code othersState}. Another writer, in
   * one transaction, runs {@code before} (on that item and the batch), then {@code request} is
   * sent; once it waits for a lock the writer runs {@code after} and commits. The writer's session
   * looks for deadlocks only after 60 s: if the two close a cycle, PostgreSQL rolls the request's
   * transaction back. Answers the request.
   */
  private Answer whileAnotherWriterHoldsRows(
      UUID batch,
      String othersState,
      List<String> before,
      List<String> after,
      Supplier<Answer> request)
      throws Exception {
    UUID settling = itemSharingACounterShard(batch);
    jdbc.sql(
            """
            UPDATE items SET state = :state, version = version + 1
             WHERE batch_id = :b AND item_id <> :i
            """)
        .param("state", othersState)
        .param("b", batch)
        .param("i", settling)
        .update();

    CompletableFuture<Answer> answer;
    try (Connection writer = dataSource.getConnection()) {
      writer.setAutoCommit(false);
      run(writer, "SET LOCAL deadlock_timeout = '60s'");
      int writerPid = pid(writer);
      for (String sql : before) {
        run(writer, sql, batch, settling);
      }
      answer = CompletableFuture.supplyAsync(request);
      await().atMost(Duration.ofSeconds(30)).until(() -> waitingOnALock(writerPid));
      for (String sql : after) {
        run(writer, sql, batch, settling);
      }
      writer.commit();
    }
    return answer.get(60, TimeUnit.SECONDS);
  }

  private double retries(String operation) {
    return meters
        .counter("pipeline.api.lock_conflict_retries", "operation", operation, "outcome", "retried")
        .count();
  }

  /** A batch of {@code products} items due tomorrow, capped, all RUNNING (leased for a day). */
  private UUID cappedBatch(int products) throws Exception {
    StringBuilder csv = new StringBuilder("sku,title\n");
    for (int i = 0; i < products; i++) {
      csv.append("L-").append(i).append(",Lamp ").append(i).append('\n');
    }
    String query =
        "?tier=fast&variant=main:1:1:1K&startAfter="
            + URLEncoder.encode(
                Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString(),
                StandardCharsets.UTF_8);
    Answer a =
        new ApiTestClient(port)
            .call(
                "POST",
                "/v1/batches" + query,
                ApiTestInfrastructure.AUTHORIZATION,
                "text/csv",
                csv.toString());
    assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
    UUID batch = UUID.fromString(a.body().path("id").asString());
    jdbc.sql("UPDATE batches SET cost_cap_usd = 0.01 WHERE batch_id = :b")
        .param("b", batch)
        .update();
    int running =
        jdbc.sql(
                """
                UPDATE items SET state = 'RUNNING', version = version + 1,
                       lease_until = now() + interval '1 day'
                 WHERE batch_id = :b
                """)
            .param("b", batch)
            .update();
    assertThat(running).isEqualTo(products);
    return batch;
  }

  /** An item whose state counter shard another item of the batch shares (20 items, 8 shards). */
  private UUID itemSharingACounterShard(UUID batch) {
    return jdbc.sql(
            """
            SELECT item_id FROM items
             WHERE batch_id = :b
               AND batch_item_counts_shard(item_id) IN
                   (SELECT batch_item_counts_shard(item_id) FROM items WHERE batch_id = :b
                     GROUP BY 1 HAVING count(*) > 1)
             ORDER BY item_id LIMIT 1
            """)
        .param("b", batch)
        .query(UUID.class)
        .single();
  }

  /** True while a session other than {@code exceptPid} waits for a lock. */
  private boolean waitingOnALock(int exceptPid) {
    return jdbc.sql(
                """
                SELECT count(*) FROM pg_stat_activity
                 WHERE pid <> :pid AND wait_event_type = 'Lock' AND datname = current_database()
                """)
            .param("pid", exceptPid)
            .query(Long.class)
            .single()
        > 0;
  }

  private Map<String, Long> itemStates(UUID batch) {
    Map<String, Long> states = new TreeMap<>();
    jdbc.sql("SELECT state, count(*) FROM items WHERE batch_id = :b GROUP BY state")
        .param("b", batch)
        .query((rs, i) -> states.put(rs.getString(1), rs.getLong(2)))
        .list();
    return states;
  }

  private Answer call(String method, String path, String body) {
    try {
      return new ApiTestClient(port).call(method, path, body);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void run(Connection c, String sql) throws Exception {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.execute();
    }
  }

  /** Runs {@code sql} with {@code :batch} and {@code :item} bound. */
  private static void run(Connection c, String sql, UUID batch, UUID item) throws Exception {
    run(c, sql.replace(":batch", "'" + batch + "'").replace(":item", "'" + item + "'"));
  }

  private static int pid(Connection c) throws Exception {
    try (PreparedStatement s = c.prepareStatement("SELECT pg_backend_pid()");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
