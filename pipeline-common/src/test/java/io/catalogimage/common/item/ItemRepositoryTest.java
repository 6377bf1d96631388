package io.catalogimage.common.item;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.testing.TestDatabase;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The item statements on a real PostgreSQL: guards, versions, leases, races. */
class ItemRepositoryTest {

  private static JdbcClient jdbc;
  private static ItemRepository items;
  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @BeforeAll
  static void database() {
    jdbc = TestDatabase.fresh();
    items = new ItemRepository(jdbc);
  }

  private record Claimed(ItemId id, int version, String failures, String rateLimits) {}

  private List<Claimed> claim(List<UUID> ids, String worker) {
    return items.claim(
        ids.stream().map(ItemId::new).toList(),
        worker,
        now,
        now.plusSeconds(20),
        (rs, i) ->
            new Claimed(
                new ItemId(rs.getObject("item_id", UUID.class)),
                rs.getInt("version"),
                rs.getString("failures_by_model"),
                rs.getString("rate_limits_by_model")));
  }

  private Map<String, Object> row(UUID item) {
    return jdbc.sql("SELECT * FROM items WHERE item_id = :i").param("i", item).query().singleRow();
  }

  @Test
  void two_workers_claiming_the_same_records_never_both_get_an_item_and_lose_none()
      throws Exception {
    UUID batch = Fixtures.batch(jdbc);
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ids.add(Fixtures.item(jdbc, batch, "DISPATCHED", i));
    }
    List<UUID> reversed = new ArrayList<>(ids);
    Collections.reverse(reversed);
    CountDownLatch go = new CountDownLatch(1);
    CompletableFuture<List<Claimed>> a =
        CompletableFuture.supplyAsync(() -> await(go, () -> claim(ids, "a")));
    CompletableFuture<List<Claimed>> b =
        CompletableFuture.supplyAsync(() -> await(go, () -> claim(reversed, "b")));
    go.countDown();
    List<ItemId> all = new ArrayList<>(a.get().stream().map(Claimed::id).toList());
    all.addAll(b.get().stream().map(Claimed::id).toList());

    assertThat(all).doesNotHaveDuplicates().hasSize(200);
  }

  @Test
  void a_stale_version_changes_nothing_even_under_the_same_worker_id() {
    UUID item = Fixtures.item(jdbc, "DISPATCHED");
    Claimed first = claim(List.of(item), "w").get(0);
    ItemRepository.Held stale = new ItemRepository.Held(first.id(), "w", first.version());
    // the lease expires, the item is reclaimed and claimed again by a worker of the same id
    jdbc.sql("UPDATE items SET lease_until = :t WHERE item_id = :i")
        .param("t", java.sql.Timestamp.from(now.minusSeconds(60)))
        .param("i", item)
        .update();
    assertThat(items.reclaimExpired(now)).isEqualTo(1);
    Claimed second = claim(List.of(item), "w").get(0);

    boolean staleMoved =
        items.succeed(
            stale,
            new ItemRepository.Success("m", "k", "s", "{}", null, null),
            BigDecimal.ONE,
            now);
    boolean freshMoved =
        items.requeue(
            new ItemRepository.Held(second.id(), "w", second.version()),
            new ItemRepository.Requeue(now, "pro", "because", "SERVER_ERROR", "503", "retry"),
            BigDecimal.ZERO,
            now);

    assertThat(staleMoved).isFalse();
    assertThat(freshMoved).isTrue();
    assertThat(row(item)).containsEntry("state", "QUEUED").containsEntry("route_reason", "because");
  }

  @Test
  void a_requeue_without_an_error_keeps_the_last_error() {
    UUID item = Fixtures.item(jdbc, "DISPATCHED");
    Claimed c = claim(List.of(item), "w").get(0);
    ItemRepository.Held held = new ItemRepository.Held(c.id(), "w", c.version());
    items.requeue(
        held,
        new ItemRepository.Requeue(now, null, null, "TIMEOUT", "no answer", "retry"),
        BigDecimal.ZERO,
        now);
    Claimed again = claim(List.of(item), "w").get(0);
    items.requeue(
        new ItemRepository.Held(again.id(), "w", again.version()),
        new ItemRepository.Requeue(now, "pro", "circuit open", null, null, "detour"),
        BigDecimal.ZERO,
        now);

    assertThat(row(item))
        .containsEntry("last_error_type", "TIMEOUT")
        .containsEntry("last_error_message", "no answer")
        .containsEntry("note", "detour");
  }

  @Test
  void renewal_says_which_leases_are_still_held() {
    UUID mine = Fixtures.item(jdbc, "DISPATCHED");
    UUID lost = Fixtures.item(jdbc, "DISPATCHED");
    claim(List.of(mine, lost), "w");
    jdbc.sql("UPDATE items SET lease_owner = 'other' WHERE item_id = :i").param("i", lost).update();

    Set<ItemId> held =
        items.renew(List.of(new ItemId(mine), new ItemId(lost)), "w", now.plusSeconds(20));

    assertThat(held).containsExactly(new ItemId(mine));
  }

  @Test
  void unstarted_items_are_handed_back_only_at_the_version_held() {
    UUID a = Fixtures.item(jdbc, "DISPATCHED");
    UUID b = Fixtures.item(jdbc, "DISPATCHED");
    List<Claimed> c = claim(List.of(a, b), "w");
    List<ItemRepository.Held> held =
        c.stream()
            .map(
                x ->
                    new ItemRepository.Held(
                        x.id(), "w", x.id().value().equals(b) ? x.version() - 1 : x.version()))
            .toList();

    assertThat(items.releaseUnstarted(held, "w", now)).isEqualTo(1);
    assertThat(row(a)).containsEntry("state", "QUEUED");
    assertThat(row(b)).containsEntry("state", "RUNNING");
  }

  @Test
  void a_reclaimed_call_in_flight_is_abandoned_possibly_billed_at_its_reservation() {
    UUID item = Fixtures.item(jdbc, "DISPATCHED");
    claim(List.of(item), "w");
    jdbc.sql(
            """
            INSERT INTO attempts (item_id, attempt_no, tenant_id, batch_id, worker_id, endpoint,
                                  model_requested, outcome, started_at, reserved_usd)
            SELECT item_id, 1, tenant_id, batch_id, 'w', 'sim', 'nb2', 'IN_FLIGHT', now(), 0.067
              FROM items WHERE item_id = :i
            """)
        .param("i", item)
        .update();
    jdbc.sql("UPDATE items SET lease_until = :t WHERE item_id = :i")
        .param("t", java.sql.Timestamp.from(now.minusSeconds(1)))
        .param("i", item)
        .update();

    items.reclaimExpired(now);

    Map<String, Object> attempt =
        jdbc.sql("SELECT outcome, cost_usd, possibly_billed FROM attempts WHERE item_id = :i")
            .param("i", item)
            .query()
            .singleRow();
    assertThat(attempt)
        .containsEntry("outcome", "ABANDONED")
        .containsEntry("possibly_billed", true);
    assertThat((BigDecimal) attempt.get("cost_usd")).isEqualByComparingTo("0.067");
    assertThat((BigDecimal) row(item).get("cost_usd")).isEqualByComparingTo("0.067");
    assertThat(row(item)).containsEntry("state", "QUEUED");
  }

  @Test
  void the_claim_brings_the_failures_of_the_run_by_model() {
    UUID item = Fixtures.item(jdbc, "DISPATCHED");
    for (int n = 1; n <= 4; n++) {
      jdbc.sql(
              """
              INSERT INTO attempts (item_id, attempt_no, tenant_id, batch_id, worker_id, endpoint,
                                    model_requested, outcome, started_at)
              SELECT item_id, :n, tenant_id, batch_id, 'w', 'sim', :m, :o, now()
                FROM items WHERE item_id = :i
              """)
          .param("n", n)
          .param("m", n == 4 ? "pro" : "nb2")
          .param(
              "o",
              List.of("TIMEOUT", "RATE_LIMITED_NO_HINT", "RATE_LIMITED", "SUCCEEDED").get(n - 1))
          .param("i", item)
          .update();
    }

    Claimed c = claim(List.of(item), "w").get(0);
    assertThat(c.failures()).isEqualTo("{\"nb2\": 2}");
    assertThat(c.rateLimits()).isEqualTo("{\"nb2\": 1}");
  }

  private static <T> T await(CountDownLatch go, java.util.function.Supplier<T> then) {
    try {
      go.await();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    return then.get();
  }

  @SuppressWarnings("unused")
  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }
}
