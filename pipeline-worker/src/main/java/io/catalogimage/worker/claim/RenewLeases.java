package io.catalogimage.worker.claim;

import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import io.catalogimage.worker.WorkerProperties;
import io.catalogimage.worker.run.GenerateImages;
import io.catalogimage.worker.run.Phases;
import java.time.Clock;
import org.springframework.stereotype.Component;

/**
 * Heartbeat: keeps the leases of the items this worker is working on from expiring. A worker killed
 * with -9 stops renewing, its leases run out, and the api queues its items again.
 */
@Component
class RenewLeases implements RunsInLoop {

  private final PollingLoop loop;

  RenewLeases(ItemClaims claims, GenerateImages runner, WorkerProperties props, Clock clock) {
    this.loop =
        new PollingLoop(
            "RenewLeases",
            props.leaseRenewInterval(),
            () -> {
              claims.renew(
                  runner.heldItems(), props.id(), clock.instant().plus(props.leaseDuration()));
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
