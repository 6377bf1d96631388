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
}
