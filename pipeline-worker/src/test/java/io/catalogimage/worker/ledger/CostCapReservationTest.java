package io.catalogimage.worker.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.worker.testing.TestDatabase;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Reserving a call's estimated cost against the batch's cap, from many threads at once. */
class CostCapReservationTest {

  private static BatchId batchWithCap(JdbcClient db, String cap) {
    BatchId batch = new BatchId(UUID.randomUUID());
    db.sql(
            """
            INSERT INTO batches (batch_id, tenant_id, name, tier, lane, spec, product_count,
                                 item_count, state, cost_cap_usd)
            VALUES (:b, '00000000-0000-0000-0000-000000000001', 'capped', 'fast', 'bulk',
                    '{}', 1, 1, 'ACCEPTED', :cap)
            """)
        .param("b", batch.value())
        .param("cap", new BigDecimal(cap))
        .update();
    return batch;
  }

  private static BigDecimal committed(JdbcClient db, BatchId batch) {
    return db.sql("SELECT committed_usd FROM batches WHERE batch_id = :b")
        .param("b", batch.value())
        .query(BigDecimal.class)
        .single();
  }

  @Test
  void concurrentReservationsNeverPassTheCap() throws Exception {
    JdbcClient db = TestDatabase.fresh();
    Ledger ledger =
        new Ledger(
            db,
            new io.catalogimage.common.item.ItemRepository(db),
            new io.catalogimage.common.edit.Conversations(db));
    BatchId batch = batchWithCap(db, "1.00");
    BigDecimal perCall = new BigDecimal("0.070000");

    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Callable<Boolean>> calls = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      calls.add(() -> ledger.reserveUnderCap(new ItemId(UUID.randomUUID()), batch, perCall, false));
    }
    long granted = 0;
    for (Future<Boolean> f : pool.invokeAll(calls)) {
      granted += f.get() ? 1 : 0;
    }
    pool.shutdown();

    // 14 x 0.07 = 0.98; a 15th would make 1.05
    assertThat(granted).isEqualTo(14);
    assertThat(committed(db, batch)).isEqualByComparingTo("0.98");
  }

  @Test
  void settlingToTheActualCostFreesTheDifferenceForTheNextCall() {
    JdbcClient db = TestDatabase.fresh();
    Ledger ledger =
        new Ledger(
            db,
            new io.catalogimage.common.item.ItemRepository(db),
            new io.catalogimage.common.edit.Conversations(db));
    BatchId batch = batchWithCap(db, "0.10");

    assertThat(
            ledger.reserveUnderCap(
                new ItemId(UUID.randomUUID()), batch, new BigDecimal("0.08"), false))
        .isTrue();
    assertThat(
            ledger.reserveUnderCap(
                new ItemId(UUID.randomUUID()), batch, new BigDecimal("0.08"), false))
        .isFalse();
    // the call was blocked and cost nothing: its whole reservation comes back
    ledger.adjustCommitted(batch, new BigDecimal("-0.08"));
    assertThat(
            ledger.reserveUnderCap(
                new ItemId(UUID.randomUUID()), batch, new BigDecimal("0.08"), false))
        .isTrue();
    assertThat(committed(db, batch)).isEqualByComparingTo("0.08");
  }
}
