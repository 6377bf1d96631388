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
  void aCapRaiseThatLosesADeadlockToASettleIsRunAgain() throws Exception {
    UUID batch = cappedBatch(20);
    Answer raised =
        whileASettleOfTheBatchDeadlocks(
            batch,
            "CAP_REACHED",
            () -> call("PUT", "/v1/batches/" + batch + "/cost-cap", "{\"costCapUsd\": 100}"));

    assertThat(raised.status()).as(String.valueOf(raised.body())).isEqualTo(200);
    assertThat(raised.body().path("resumedItems").asInt()).isEqualTo(19);
    assertThat(itemStates(batch)).isEqualTo(Map.of("QUEUED", 20L));
    assertThat(raised.body().path("batch").path("counts").path("QUEUED").asLong()).isEqualTo(20);
    assertThat(raised.body().path("batch").path("counts").path("CAP_REACHED").asLong()).isZero();
    assertThat(retries("CostCaps.setCap")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aCancelThatLosesADeadlockToASettleIsRunAgain() throws Exception {
    UUID batch = cappedBatch(20);
    Answer cancelled =
        whileASettleOfTheBatchDeadlocks(
            batch, "QUEUED", () -> call("POST", "/v1/batches/" + batch + "/cancel", null));

    assertThat(cancelled.status()).as(String.valueOf(cancelled.body())).isEqualTo(202);
    // the settled item was requeued before the cancel's second try, which took it too
    assertThat(cancelled.body().path("cancelledItems").asInt()).isEqualTo(20);
    assertThat(itemStates(batch)).isEqualTo(Map.of("CANCELLED", 20L));
    assertThat(retries("CancelBatches.cancel")).isGreaterThanOrEqualTo(1);
  }

  /**
   * Leaves every item of {@code batch} but one in {@code othersState}; settles that one (requeued,
   * the unused part of its reservation back to the batch) in a transaction that closes a lock cycle
   * with {@code request} while the request waits; answers the request.
   */
  private Answer whileASettleOfTheBatchDeadlocks(
      UUID batch, String othersState, Supplier<Answer> request) throws Exception {
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
    try (Connection settle = dataSource.getConnection()) {
      settle.setAutoCommit(false);
      run(settle, "SET LOCAL deadlock_timeout = '60s'");
      int settlePid = pid(settle);
      // a settle that requeues its item: the item, then its QUEUED counter row
      run(settle, "SELECT 1 FROM items WHERE item_id = ? FOR NO KEY UPDATE", settling);
      run(
          settle,
          "UPDATE items SET state = 'QUEUED', version = version + 1, lease_until = NULL"
              + " WHERE item_id = ?",
          settling);

      answer = CompletableFuture.supplyAsync(request);
      await().atMost(Duration.ofSeconds(30)).until(() -> waitingOnALock(settlePid, "UPDATE items"));

      // ... then the batch row, for its reservation: the cycle closes here
      run(
          settle,
          "UPDATE batches SET committed_usd = committed_usd - 0.001 WHERE batch_id = ?",
          batch);
      settle.commit();
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

  private boolean waitingOnALock(int exceptPid, String statement) {
    return jdbc.sql(
                """
            SELECT count(*) FROM pg_stat_activity
             WHERE pid <> :pid AND wait_event_type = 'Lock' AND query LIKE :q
            """)
            .param("pid", exceptPid)
            .param("q", statement + "%")
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

  private static void run(Connection c, String sql, Object... params) throws Exception {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        s.setObject(i + 1, params[i]);
      }
      s.execute();
    }
  }

  private static int pid(Connection c) throws Exception {
    try (PreparedStatement s = c.prepareStatement("SELECT pg_backend_pid()");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
