package io.catalogimage.worker.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.catalogimage.common.edit.Conversations;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.worker.testing.TestDatabase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The ledger's writers take an item's row before the counter rows their change moves, so a call
 * being recorded never waits behind a settle that waits for its item. Found as a three-way deadlock
 * in the payload benchmark: a settle (its attempt's counter row, then its item), a lease renewal
 * (that item, then another) and a begin (the other item, then the same counter row).
 */
class LedgerLockOrderTest {

  private static final String TENANT = "00000000-0000-0000-0000-000000000001";
  private static final String WORKER = "w1";
  private static final String MODEL = "gemini-3.1-flash-image";

  private final HikariDataSource pool = TestDatabase.freshDataSource();
  private final JdbcClient db = JdbcClient.create(pool);
  private final Ledger ledger = new Ledger(db, new ItemRepository(db), new Conversations(db));
  private final UUID batch = UUID.randomUUID();

  @Test
  void aSettleWaitingForItsItemHoldsNoCounterThatABeginOfTheSameShardNeeds() throws Exception {
    insertBatch();
    UUID settled = insertRunningItem(UUID.randomUUID(), 0);
    UUID begun = insertRunningItem(otherItemOfTheSameShard(settled), 1);
    int attempt = begin(settled, 0).orElseThrow(); // creates the shard's usage row
    ItemRepository.Held settledHeld = new ItemRepository.Held(id(settled), WORKER, 1);

    CompletableFuture<Ledger.Settled> settle;
    try (Connection renewal = pool.getConnection()) {
      // a lease renewal holds the settled item's row
      renewal.setAutoCommit(false);
      renewal
          .createStatement()
          .executeUpdate(
              "UPDATE items SET lease_until = now() + interval '1 minute' WHERE item_id = '"
                  + settled
                  + "'");
      settle = CompletableFuture.supplyAsync(() -> settle(settledHeld, attempt));
      await().atMost(Duration.ofMinutes(1)).until(() -> waitingOnALock(""));

      // recording a call for another item of the same batch, model and shard does not wait
      CompletableFuture<Optional<Integer>> recorded =
          CompletableFuture.supplyAsync(() -> begin(begun, 0));
      await()
          .atMost(Duration.ofMinutes(1))
          .until(() -> recorded.isDone() || waitingOnALock("INSERT INTO attempts"));
      assertThat(recorded)
          .as("the call was recorded while the settle waited for its item")
          .isDone();
      assertThat(recorded.get()).contains(1);
      assertThat(settle).isNotDone();
      renewal.commit();
    }
    assertThat(settle.get()).isEqualTo(Ledger.Settled.MOVED);
    assertThat(calls()).isEqualTo(2);
  }

  private Ledger.Settled settle(ItemRepository.Held held, int attempt) {
    TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(pool));
    return tx.execute(
        status ->
            ledger.settle(
                held,
                attempt,
                new AttemptResult(
                    "SUCCEEDED",
                    "accepted",
                    MODEL,
                    200,
                    null,
                    10,
                    null,
                    null,
                    null,
                    new BigDecimal("0.067"),
                    1024,
                    1024,
                    null,
                    false),
                new ItemChange.Succeeded(MODEL, "img.png", "img.json", Map.of(), null, null),
                null,
                Instant.now()));
  }

  private Optional<Integer> begin(UUID item, int version) {
    return ledger.begin(
        new ItemRepository.Held(id(item), WORKER, version),
        "gemini",
        MODEL,
        new BigDecimal("0.067"),
        null,
        Instant.now());
  }

  /** True while a statement containing {@code text} (any: "") waits for a lock. */
  private boolean waitingOnALock(String text) {
    return db.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND wait_event_type = 'Lock' AND position(:text in query) > 0")
            .param("text", text)
            .query(Integer.class)
            .single()
        > 0;
  }

  private long calls() {
    return db.sql("SELECT sum(calls) FROM batch_model_usage WHERE batch_id = :b")
        .param("b", batch)
        .query(Long.class)
        .single();
  }

  private UUID otherItemOfTheSameShard(UUID item) {
    int shard = shard(item);
    while (true) {
      UUID other = UUID.randomUUID();
      if (shard(other) == shard) {
        return other;
      }
    }
  }

  private int shard(UUID item) {
    return db.sql("SELECT batch_item_counts_shard(:i)")
        .param("i", item)
        .query(Integer.class)
        .single();
  }

  private void insertBatch() {
    db.sql(
            """
            INSERT INTO batches (batch_id, tenant_id, name, tier, lane, spec, product_count,
                                 item_count, state)
            VALUES (:b, CAST(:t AS uuid), 'locks', 'fast', 'bulk', '{}', 2, 2, 'ACCEPTED')
            """)
        .param("b", batch)
        .param("t", TENANT)
        .update();
  }

  private UUID insertRunningItem(UUID item, int productNo) {
    db.sql(
            """
            INSERT INTO products (batch_id, product_no, tenant_id, sku, data)
            VALUES (:b, :p, CAST(:t AS uuid), :sku,
                    CAST('{"title": "Mug", "prompt": "A mug", "attributes": {}}' AS jsonb))
            """)
        .param("b", batch)
        .param("p", productNo)
        .param("t", TENANT)
        .param("sku", "SKU-" + productNo)
        .update();
    db.sql(
            """
            INSERT INTO items (item_id, tenant_id, batch_id, product_no, item_no, sku, variant,
                               state, lane, not_before, lease_owner, lease_until)
            VALUES (:i, CAST(:t AS uuid), :b, :p, :p, :sku, 'hero', 'RUNNING', 'bulk', now(), :w,
                    now() + interval '1 minute')
            """)
        .param("i", item)
        .param("t", TENANT)
        .param("b", batch)
        .param("p", productNo)
        .param("sku", "SKU-" + productNo)
        .param("w", WORKER)
        .update();
    return item;
  }

  private static ItemId id(UUID item) {
    return new ItemId(item);
  }
}
