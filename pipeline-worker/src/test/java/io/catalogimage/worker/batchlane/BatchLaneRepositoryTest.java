package io.catalogimage.worker.batchlane;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.providerjob.ProviderJobRepository;
import io.catalogimage.worker.testing.TestDatabase;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The batch lane's ledger statements on a real PostgreSQL. */
class BatchLaneRepositoryTest {

  private static JdbcClient db;
  private static BatchLaneRepository lane;
  private static ProviderJobRepository jobs;
  private final Instant now = Instant.now();

  @BeforeAll
  static void database() {
    db = TestDatabase.fresh();
    lane = new BatchLaneRepository(db);
    jobs = new ProviderJobRepository(db);
  }

  /** A capped batch of one 4K item whose attempt 1 is in flight with 0.12 reserved. */
  private static ItemId itemInFlight(UUID batch) {
    db.sql(
            """
            INSERT INTO batches (batch_id, tenant_id, name, tier, lane, spec, product_count,
                                 item_count, state, cost_cap_usd, committed_usd)
            VALUES (:b, '00000000-0000-0000-0000-000000000001', 'b', 'fast', 'batch',
                    CAST('{"variants": [{"name": "hero", "aspectRatio": "16:9", "size": "4K"}],
                           "altTextLocales": ["en"], "promptTemplate": "{{title}}"}' AS jsonb),
                    1, 1, 'ACCEPTED', 5.00, 0.12)
            """)
        .param("b", batch)
        .update();
    db.sql(
            """
            INSERT INTO products (batch_id, product_no, tenant_id, sku, data)
            VALUES (:b, 0, '00000000-0000-0000-0000-000000000001', 'SKU-1',
                    CAST('{"title": "Mug", "prompt": "A mug", "attributes": {}}' AS jsonb))
            """)
        .param("b", batch)
        .update();
    UUID item = UUID.randomUUID();
    db.sql(
            """
            INSERT INTO items (item_id, tenant_id, batch_id, product_no, item_no, sku, variant,
                               state, lane, not_before)
            VALUES (:i, '00000000-0000-0000-0000-000000000001', :b, 0, 0, 'SKU-1', 'hero',
                    'RUNNING', 'batch', now())
            """)
        .param("i", item)
        .param("b", batch)
        .update();
    db.sql(
            """
            INSERT INTO attempts (item_id, attempt_no, tenant_id, batch_id, worker_id, endpoint,
                                  model_requested, outcome, started_at, reserved_usd)
            VALUES (:i, 1, '00000000-0000-0000-0000-000000000001', :b, 'lost', 'sim', 'nb2',
                    'IN_FLIGHT', now(), 0.12)
            """)
        .param("i", item)
        .param("b", batch)
        .update();
    return new ItemId(item);
  }

  @Test
  void a_line_never_submitted_ends_unbilled_and_gives_its_reservation_back_to_the_cap() {
    UUID batch = UUID.randomUUID();
    ItemId item = itemInFlight(batch);
    UUID job = UUID.randomUUID();
    jobs.create(
        job,
        "sim",
        "nb2",
        List.of(item),
        List.of(1),
        now.plus(Duration.ofHours(6)),
        "lost",
        now,
        now);

    assertThat(lane.closeUnsubmitted(job, List.of(item), now)).isEqualTo(1);

    Map<String, Object> attempt =
        db.sql("SELECT outcome, cost_usd FROM attempts WHERE item_id = :i")
            .param("i", item.value())
            .query()
            .singleRow();
    assertThat(attempt.get("outcome")).isEqualTo("NOT_SUBMITTED");
    assertThat((BigDecimal) attempt.get("cost_usd")).isZero();
    assertThat(
            db.sql("SELECT committed_usd FROM batches WHERE batch_id = :b")
                .param("b", batch)
                .query(BigDecimal.class)
                .single())
        .isZero();
    assertThat(lane.closeUnsubmitted(job, List.of(item), now)).as("once").isZero();
  }

  @Test
  void a_late_line_is_priced_at_the_size_its_item_asked_for() {
    ItemId item = itemInFlight(UUID.randomUUID());
    assertThat(lane.variants(List.of(item)).get(item))
        .satisfies(
            v -> {
              assertThat(v.size()).isEqualTo("4K");
              assertThat(v.aspectRatio()).isEqualTo("16:9");
            });
  }

  @Test
  void an_edit_or_a_recaption_of_a_batch_lane_item_is_never_packed_and_runs_in_real_time() {
    ItemId fresh = itemInFlight(UUID.randomUUID());
    ItemId edit = itemInFlight(UUID.randomUUID());
    ItemId recaption = itemInFlight(UUID.randomUUID());
    List<UUID> ids = List.of(fresh.value(), edit.value(), recaption.value());
    db.sql("UPDATE items SET state = 'QUEUED', version = version + 1 WHERE item_id = ANY(:ids)")
        .param("ids", ids.toArray(UUID[]::new))
        .update();
    db.sql("UPDATE items SET edit_id = :e WHERE item_id = :i")
        .param("e", UUID.randomUUID())
        .param("i", edit.value())
        .update();
    db.sql("UPDATE items SET recaption_id = :r WHERE item_id = :i")
        .param("r", UUID.randomUUID())
        .param("i", recaption.value())
        .update();

    // a provider job makes fresh images: the edit's conversation, the caption-only run would be
    // lost
    assertThat(lane.due(now.plusSeconds(1), 100)).containsExactly(fresh);
    assertThat(lane.moveRerunsToRealTime("interactive")).isEqualTo(2);

    Map<String, String> lanes = new java.util.HashMap<>();
    db.sql("SELECT CAST(item_id AS text) AS id, lane FROM items WHERE item_id = ANY(:ids)")
        .param("ids", ids.toArray(UUID[]::new))
        .query()
        .listOfRows()
        .forEach(r -> lanes.put((String) r.get("id"), (String) r.get("lane")));
    assertThat(lanes)
        .containsEntry(fresh.value().toString(), "batch")
        .containsEntry(edit.value().toString(), "interactive")
        .containsEntry(recaption.value().toString(), "interactive");
  }
}
