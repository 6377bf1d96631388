package io.catalogimage.common.item;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.providerjob.ProviderJobRepository;
import io.catalogimage.common.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The batch lane's statements on a real PostgreSQL: items packed into a provider job, its lines
 * taken back exactly once (a late result finds its item gone), cancel and crash recovery of jobs.
 */
class ProviderBatchItemsTest {

  private static JdbcClient jdbc;
  private static ItemRepository items;
  private static ProviderJobRepository jobs;
  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  @BeforeAll
  static void database() {
    jdbc = TestDatabase.fresh();
    items = new ItemRepository(jdbc);
    jobs = new ProviderJobRepository(jdbc);
  }

  private String state(UUID item) {
    return jdbc.sql("SELECT state FROM items WHERE item_id = :i")
        .param("i", item)
        .query(String.class)
        .single();
  }

  /** Claims the items for {@code worker} (as the batch lane does) and packs them into a job. */
  private UUID job(List<ItemId> ids, String worker) {
    List<ItemRepository.Held> held =
        items.claim(
            ids,
            worker,
            now,
            now.plusSeconds(60),
            (rs, i) ->
                new ItemRepository.Held(
                    new ItemId(rs.getObject("item_id", UUID.class)), worker, rs.getInt("version")));
    assertThat(held).hasSameSizeAs(ids);
    UUID job = UUID.randomUUID();
    jobs.create(
        job,
        "sim",
        "gemini-3.1-flash-image",
        ids,
        ids.stream().map(i -> 1).toList(),
        now.plus(Duration.ofHours(6)),
        worker,
        now.plusSeconds(60),
        now);
    assertThat(items.packIntoProviderJob(held, job, now)).containsExactlyInAnyOrderElementsOf(ids);
    return job;
  }

  @Test
  void a_packed_item_is_in_its_job_and_cannot_be_packed_or_claimed_again() {
    UUID batch = Fixtures.batch(jdbc);
    ItemId a = new ItemId(Fixtures.item(jdbc, batch, "QUEUED", 0));
    UUID job = job(List.of(a), "w1");
    assertThat(state(a.value())).isEqualTo("IN_PROVIDER_BATCH");
    assertThat(
            items.packIntoProviderJob(
                List.of(new ItemRepository.Held(a, "w1", 2)), UUID.randomUUID(), now))
        .as("no longer held")
        .isEmpty();
    assertThat(items.claim(List.of(a), "w2", now, now.plusSeconds(30), (rs, i) -> 1)).isEmpty();
    assertThat(jobs.waitingItems(job)).isEqualTo(1);
    assertThat(jobs.lines(job))
        .singleElement()
        .satisfies(l -> assertThat(l.key()).isEqualTo(a.value().toString()));
  }

  @Test
  void a_line_is_taken_once_and_a_late_result_after_fallback_finds_nothing_to_take() {
    UUID batch = Fixtures.batch(jdbc);
    ItemId early = new ItemId(Fixtures.item(jdbc, batch, "QUEUED", 0));
    ItemId late = new ItemId(Fixtures.item(jdbc, batch, "QUEUED", 1));
    UUID job = job(List.of(early, late), "w1");

    List<UUID> taken =
        items.takeBatchResults(
            List.of(early),
            job,
            "w1",
            now,
            now.plusSeconds(30),
            (rs, i) -> rs.getObject(1, UUID.class));
    assertThat(taken).containsExactly(early.value());
    assertThat(state(early.value())).isEqualTo("RUNNING");
    assertThat(
            items.takeBatchResults(
                List.of(early), job, "w2", now, now.plusSeconds(30), (rs, i) -> 1))
        .as("a second answer for the same line")
        .isEmpty();

    // the job is late: its unfinished item goes to real time, in the interactive lane, due now
    assertThat(items.backFromProviderJob(List.of(late), job, "interactive", "late", now))
        .containsExactly(late);
    Map<String, Object> row =
        jdbc.sql("SELECT state, lane, provider_job FROM items WHERE item_id = :i")
            .param("i", late.value())
            .query()
            .singleRow();
    assertThat(row).containsEntry("state", "QUEUED").containsEntry("lane", "interactive");
    assertThat(row.get("provider_job")).isNull();
    // ... and when the job's result for it arrives after all, there is nothing to take
    assertThat(
            items.takeBatchResults(
                List.of(late), job, "w1", now, now.plusSeconds(30), (rs, i) -> 1))
        .isEmpty();
    assertThat(jobs.waitingItems(job)).isZero();
  }

  @Test
  void cancelling_the_batch_cancels_items_in_provider_jobs_and_a_back_move_ends_cancelled() {
    UUID batch = Fixtures.batch(jdbc);
    ItemId a = new ItemId(Fixtures.item(jdbc, batch, "QUEUED", 0));
    ItemId b = new ItemId(Fixtures.item(jdbc, batch, "QUEUED", 1));
    UUID job = job(List.of(a, b), "w1");
    assertThat(
            items.cancelWaiting(
                new io.catalogimage.common.id.TenantId(Fixtures.TENANT),
                new io.catalogimage.common.id.BatchId(batch),
                now))
        .isEqualTo(2);
    assertThat(state(a.value())).isEqualTo("CANCELLED");
    assertThat(jobs.waitingItems(job)).isZero();
  }

  @Test
  void a_dead_workers_job_is_leased_again_once_its_lease_expires() {
    UUID batch = Fixtures.batch(jdbc);
    ItemId a = new ItemId(Fixtures.item(jdbc, batch, "QUEUED", 0));
    UUID job = job(List.of(a), "dead-worker");
    jobs.submitted(job, "batches/x-" + job, "PENDING", now);
    assertThat(jobs.leaseDue("w2", now, Duration.ofSeconds(60), 10))
        .extracting(ProviderJobRepository.ProviderJob::id)
        .doesNotContain(job);
    assertThat(jobs.leaseDue("w2", now.plusSeconds(61), Duration.ofSeconds(60), 10))
        .extracting(ProviderJobRepository.ProviderJob::id)
        .contains(job);
  }

  @Test
  void the_turnaround_estimate_is_the_p90_of_jobs_that_ran_to_the_end_or_the_default() {
    String model = "model-" + UUID.randomUUID();
    Duration fallback = Duration.ofHours(24);
    assertThat(jobs.turnaround(model, 50, 3, fallback)).isEqualTo(fallback);
    for (int hours = 1; hours <= 10; hours++) {
      UUID id = UUID.randomUUID();
      Instant submitted = now.minus(Duration.ofHours(hours + 1));
      jobs.create(
          id,
          "sim",
          model,
          List.of(),
          List.of(),
          submitted.plus(Duration.ofDays(1)),
          "w",
          submitted,
          submitted);
      jobs.submitted(id, "p-" + id, "PENDING", submitted);
      jobs.ended(id, "ENDED", "SUCCEEDED", null, submitted.plus(Duration.ofHours(hours)));
    }
    assertThat(jobs.turnaround(model, 50, 3, fallback))
        .isBetween(Duration.ofHours(9), Duration.ofHours(10));
  }

  /**
   * A job whose submitter claimed its items, recorded their attempts and wrote the row, then was
   * lost before storing the provider's answer (no pack): its items are RUNNING under the dead
   * worker's lease, which has expired.
   */
  private UUID lostSubmit(List<ItemId> ids, String worker) {
    items.claim(ids, worker, now, now.plusSeconds(60), (rs, i) -> 1);
    for (ItemId id : ids) {
      jdbc.sql(
              """
              INSERT INTO attempts (item_id, attempt_no, tenant_id, batch_id, worker_id, endpoint,
                                    model_requested, outcome, started_at, reserved_usd)
              SELECT item_id, 1, tenant_id, batch_id, :w, 'sim', 'nb2', 'IN_FLIGHT', now(), 0.03
                FROM items WHERE item_id = :i
              """)
          .param("w", worker)
          .param("i", id.value())
          .update();
    }
    UUID job = UUID.randomUUID();
    jobs.create(
        job,
        "sim",
        "gemini-3.1-flash-image",
        ids,
        ids.stream().map(i -> 1).toList(),
        now.plus(Duration.ofHours(6)),
        worker,
        now.plusSeconds(60),
        now);
    jdbc.sql("UPDATE items SET lease_until = :t WHERE item_id = ANY(:ids)")
        .param("t", java.sql.Timestamp.from(now.minusSeconds(1)))
        .param("ids", ids.stream().map(ItemId::value).toArray(UUID[]::new))
        .update();
    return job;
  }

  @Test
  void a_lost_submitters_items_are_left_to_the_job_lookup_not_to_the_lease_reclaim() {
    UUID batch = Fixtures.batch(jdbc);
    ItemId a = new ItemId(Fixtures.item(jdbc, batch, "QUEUED", 0));
    UUID job = lostSubmit(List.of(a), "lost-worker");
    // the lease reclaim would send the item again (and pay its line twice if the provider has it)
    items.reclaimExpired(now);
    assertThat(state(a.value())).isEqualTo("RUNNING");
    // once the row is settled (here: the provider had no such job), leases are reclaimed again
    assertThat(jobs.neverSubmitted(job, "none", now)).isTrue();
    items.reclaimExpired(now);
    assertThat(state(a.value())).isEqualTo("QUEUED");
  }

  @Test
  void a_job_found_at_the_provider_is_adopted_once_and_its_items_wait_for_it() {
    UUID batch = Fixtures.batch(jdbc);
    ItemId a = new ItemId(Fixtures.item(jdbc, batch, "QUEUED", 0));
    ItemId b = new ItemId(Fixtures.item(jdbc, batch, "QUEUED", 1));
    UUID job = lostSubmit(List.of(a, b), "lost-worker");
    assertThat(jobs.lines(job)).extracting(ProviderJobRepository.Line::attempt).containsOnly(1);

    assertThat(jobs.submitted(job, "batches/found-" + job, "RUNNING", now)).isTrue();
    assertThat(items.adoptIntoProviderJob(job, now)).containsExactlyInAnyOrder(a, b);
    assertThat(state(a.value())).isEqualTo("IN_PROVIDER_BATCH");
    assertThat(jobs.waitingItems(job)).isEqualTo(2);
    // the slow submitter's answer arrives after: the row is no longer its to write
    assertThat(jobs.submitted(job, "batches/found-" + job, "RUNNING", now)).isFalse();
    assertThat(jobs.neverSubmitted(job, "late lookup", now)).isFalse();
    assertThat(items.adoptIntoProviderJob(job, now)).as("adopted once").isEmpty();
  }

  @Test
  void a_job_the_provider_never_got_releases_only_items_still_on_its_lines_attempt() {
    UUID batch = Fixtures.batch(jdbc);
    ItemId a = new ItemId(Fixtures.item(jdbc, batch, "QUEUED", 0));
    ItemId b = new ItemId(Fixtures.item(jdbc, batch, "QUEUED", 1));
    UUID job = lostSubmit(List.of(a, b), "lost-worker");
    // b's attempt was settled some other way meanwhile: it is not this row's to release
    jdbc.sql("UPDATE attempts SET outcome = 'SUCCEEDED' WHERE item_id = :i")
        .param("i", b.value())
        .update();
    assertThat(jobs.neverSubmitted(job, "none", now)).isTrue();
    assertThat(items.releaseUnsubmitted(job, "never sent", now)).containsExactly(a);
    Map<String, Object> row =
        jdbc.sql("SELECT state, lease_owner, note FROM items WHERE item_id = :i")
            .param("i", a.value())
            .query()
            .singleRow();
    assertThat(row).containsEntry("state", "QUEUED").containsEntry("note", "never sent");
    assertThat(row.get("lease_owner")).isNull();
    assertThat(state(b.value())).isEqualTo("RUNNING");
    assertThat(jobs.find(job).orElseThrow().state()).isEqualTo("ABANDONED");
  }
}
