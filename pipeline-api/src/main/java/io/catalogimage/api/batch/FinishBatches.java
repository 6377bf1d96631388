package io.catalogimage.api.batch;

import io.catalogimage.api.webhook.WebhookEvents;
import io.catalogimage.common.batch.BatchRepository;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Records when a batch finishes (every item terminal), exactly once per batch: the hook for
 * everything that happens at the end of a batch (manifest, webhooks). Its {@code batch.completed}
 * or {@code batch.failed} event is queued in the same transaction, so neither is ever without the
 * other.
 */
@Component
class FinishBatches implements RunsInLoop {

  private static final Logger log = LoggerFactory.getLogger(FinishBatches.class);

  private final BatchRepository batches;
  private final Clock clock;
  private final WebhookEvents events;
  private final TransactionTemplate tx;
  private final PollingLoop loop;

  FinishBatches(
      BatchRepository batches, Clock clock, WebhookEvents events, TransactionTemplate tx) {
    this.batches = batches;
    this.clock = clock;
    this.events = events;
    this.tx = tx;
    // a batch shows COMPLETED at most a quarter second after its last item
    this.loop = new PollingLoop("FinishBatches", Duration.ofMillis(250), this::finishOnce);
  }

  boolean finishOnce() {
    // PostgreSQL keeps microseconds: the finish time the events carry is the one stored
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    List<BatchId> finished =
        tx.execute(
            s -> {
              List<BatchId> ids = batches.finishDone(now);
              ids.forEach(id -> events.finished(id.value(), now));
              return ids;
            });
    finished.forEach(id -> log.info("batch {} finished", id));
    return false;
  }

  @Override
  public PollingLoop loop() {
    return loop;
  }
}
