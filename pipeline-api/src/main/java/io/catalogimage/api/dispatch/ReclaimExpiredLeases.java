package io.catalogimage.api.dispatch;

import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Finds work that a worker took and lost (its lease expired: the worker was killed or stalled) and
 * work that Kafka never delivered, and queues it again. This is what makes "no item lost" hold
 * under kill -9. After the database was out of reach (or right after start) it reclaims nothing for
 * {@code reclaim-grace-after-outage}: leases run out during an outage because nobody could renew
 * them, and the live workers holding them get the time to renew first instead of being robbed.
 * Every {@code cap-hold-sweep-interval} it also deletes the cap holds that dead workers left.
 */
@Component
class ReclaimExpiredLeases implements RunsInLoop {

  private static final Logger log = LoggerFactory.getLogger(ReclaimExpiredLeases.class);

  private final DispatchRepository repository;
  private final DispatchProperties props;
  private final DispatchDueItems dispatcher;
  private final Clock clock;
  private final PollingLoop loop;

  ReclaimExpiredLeases(
      DispatchRepository repository,
      DispatchProperties props,
      DispatchDueItems dispatcher,
      Clock clock) {
    this.repository = repository;
    this.props = props;
    this.dispatcher = dispatcher;
    this.clock = clock;
    this.loop = new PollingLoop("ReclaimExpiredLeases", props.reclaimInterval(), this::reclaimOnce);
  }

  /** Since when the database has answered every pass; null after a failure. */
  private Instant reachableSince;

  private Instant nextHoldSweep = Instant.MIN;

  boolean reclaimOnce() {
    Instant now = clock.instant();
    try {
      repository.ping();
    } catch (RuntimeException e) {
      reachableSince = null;
      throw e;
    }
    if (reachableSince == null) {
      reachableSince = now;
    }
    if (now.isBefore(reachableSince.plus(props.reclaimGraceAfterOutage()))) {
      return false;
    }
    int reclaimed;
    int stale;
    try {
      reclaimed = repository.reclaimExpired(now);
      stale = repository.requeueStale(now, props.redispatchAfter());
      if (!now.isBefore(nextHoldSweep)) {
        int dropped = repository.dropStaleCapHolds();
        nextHoldSweep = now.plus(props.capHoldSweepInterval());
        if (dropped > 0) {
          log.info("deleted {} cap holds left by workers that died while booking", dropped);
        }
      }
    } catch (RuntimeException e) {
      reachableSince = null;
      throw e;
    }
    if (reclaimed > 0 || stale > 0) {
      log.info(
          "queued again: {} items whose lease expired, {} dispatched items no worker took",
          reclaimed,
          stale);
      dispatcher.wake();
    }
    return false;
  }

  @Override
  public PollingLoop loop() {
    return loop;
  }
}
