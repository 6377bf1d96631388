package io.catalogimage.worker.claim;

import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import io.catalogimage.worker.WorkerProperties;
import io.catalogimage.worker.run.GenerateImages;
import io.catalogimage.worker.run.Phases;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Heartbeat: keeps the leases of the items this worker is working on from expiring, and learns
 * which it no longer holds (their results are then not stored or settled: another worker owns
 * them). A worker killed with -9 stops renewing, its leases run out, and the api queues its items
 * again. If the database cannot be reached the renewal fails and nothing is concluded.
 */
@Component
class RenewLeases implements RunsInLoop {

  private static final Logger log = LoggerFactory.getLogger(RenewLeases.class);

  private final PollingLoop loop;

  RenewLeases(ItemClaims claims, GenerateImages runner, WorkerProperties props, Clock clock) {
    this.loop =
        new PollingLoop(
            "RenewLeases",
            props.leaseRenewInterval(),
            () -> {
              List<ItemId> held = runner.heldItems();
              try {
                runner.leasesRenewed(
                    held,
                    claims.renew(held, props.id(), clock.instant().plus(props.leaseDuration())));
              } catch (RuntimeException e) {
                // keep the pace while the database is away (no growing backoff): the first pass
                // after it is back must come within a lease
                log.warn("could not renew {} leases: {}", held.size(), e.toString());
              }
              return false;
            });
  }

  @Override
  public PollingLoop loop() {
    return loop;
  }

  @Override
  public int getPhase() {
    return Phases.RENEW_LEASES;
  }
}
