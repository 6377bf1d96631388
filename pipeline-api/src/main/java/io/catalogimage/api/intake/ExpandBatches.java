package io.catalogimage.api.intake;

import io.catalogimage.api.dispatch.DispatchDueItems;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Makes the items of the uploads that answered before them ({@link UploadIntake}): the oldest
 * pending batch first, each in one transaction holding its batch row, so two api instances never
 * make one batch's items twice and a crash midway leaves the batch pending for the next pass. Woken
 * by every such upload; the interval only matters after a restart.
 */
@Component
public class ExpandBatches implements RunsInLoop {

  private static final Logger log = LoggerFactory.getLogger(ExpandBatches.class);

  private static final String CLAIM_OLDEST =
      """
      SELECT batch_id FROM batches WHERE items_pending
       ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED
      """;

  private static final String LOCK_IF_PENDING =
      """
      SELECT batch_id FROM batches
       WHERE batch_id = :batch AND tenant_id = :tenant AND items_pending FOR UPDATE
      """;

  private final JdbcClient jdbc;
  private final IntakeRepository repository;
  private final TransactionTemplate tx;
  private final DispatchDueItems dispatcher;
  private final Clock clock;
  private final PollingLoop loop;

  ExpandBatches(
      JdbcClient jdbc,
      IntakeRepository repository,
      TransactionTemplate tx,
      DispatchDueItems dispatcher,
      Clock clock) {
    this.jdbc = jdbc;
    this.repository = repository;
    this.tx = tx;
    this.dispatcher = dispatcher;
    this.clock = clock;
    this.loop = new PollingLoop("ExpandBatches", Duration.ofSeconds(1), this::expandOldest);
  }

  /** Makes the items of the oldest pending batch; true when it did (there may be more). */
  boolean expandOldest() {
    long started = System.nanoTime();
    Expanded expanded =
        tx.execute(
            s -> {
              List<UUID> claimed = jdbc.sql(CLAIM_OLDEST).query(UUID.class).list();
              if (claimed.isEmpty()) {
                return null;
              }
              UUID batch = claimed.get(0);
              return new Expanded(batch, repository.expandItems(batch, clock.instant()));
            });
    if (expanded == null) {
      return false;
    }
    log.info(
        "batch {}: {} items made in {} ms",
        expanded.batch(),
        expanded.items(),
        Duration.ofNanos(System.nanoTime() - started).toMillis());
    dispatcher.wake();
    return true;
  }

  /**
   * Makes the batch's items now, in the caller's transaction, if they are still pending: for
   * changes that need every item to exist (cancel). Waits for a pass making them meanwhile.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public void expandIfPending(TenantId tenant, BatchId batch) {
    List<UUID> locked =
        jdbc.sql(LOCK_IF_PENDING)
            .param("batch", batch.value())
            .param("tenant", tenant.value())
            .query(UUID.class)
            .list();
    if (!locked.isEmpty()) {
      repository.expandItems(batch.value(), clock.instant());
    }
  }

  /** Runs a pass now (after an upload left its items pending). */
  public void wake() {
    loop.wake();
  }

  @Override
  public PollingLoop loop() {
    return loop;
  }

  private record Expanded(UUID batch, long items) {}
}
