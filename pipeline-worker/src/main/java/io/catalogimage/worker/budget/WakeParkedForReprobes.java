package io.catalogimage.worker.budget;

import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * Lets an item parked until a daily quota's reset make the quota's re-probe when nothing else asks
 * for the model ({@link Budgets#wakeParkedForReprobes}). Every worker runs it; the shared budget
 * row lets one of them wake one item per re-probe. One read of the (few) budget rows every 2 s.
 */
@Component
class WakeParkedForReprobes implements RunsInLoop {

  private static final Duration EVERY = Duration.ofSeconds(2);

  private final PollingLoop loop;

  WakeParkedForReprobes(Budgets budgets) {
    this.loop =
        new PollingLoop(
            "WakeParkedForReprobes",
            EVERY,
            () -> {
              budgets.wakeParkedForReprobes();
              return false;
            });
  }

  @Override
  public PollingLoop loop() {
    return loop;
  }
}
