package io.catalogimage.worker.run;

import io.catalogimage.worker.ledger.AttemptResult;
import io.catalogimage.worker.ledger.ItemChange;
import io.catalogimage.worker.ledger.Ledger;
import io.catalogimage.worker.result.ResultProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * The last step: records the call's outcome and cost, moves the item on and settles the caps, in
 * one transaction. While the database is away it keeps trying (backoff up to {@code
 * pipeline.results.retry-backoff-max}) until it succeeds or the item's lease is known to be lost: a
 * finished call is never forgotten, and never made again, because the database hiccupped. A settle
 * whose commit answer was lost and that is tried again changes nothing the second time.
 */
@Component
class SettleStep {

  private static final Logger log = LoggerFactory.getLogger(SettleStep.class);

  private final Ledger ledger;
  private final ResultProperties props;
  private final Executor io;
  private final ScheduledExecutorService timer;
  private final Counter retries;

  SettleStep(
      Ledger ledger,
      ResultProperties props,
      @Qualifier("workerIo") Executor io,
      @Qualifier("retryTimer") ScheduledExecutorService timer,
      MeterRegistry meters) {
    this.ledger = ledger;
    this.props = props;
    this.io = io;
    this.timer = timer;
    this.retries =
        Counter.builder("pipeline.results.settle_retries")
            .description("settles of finished calls tried again after the database failed")
            .register(meters);
  }

  /** How the settle ended; never completes exceptionally. */
  CompletableFuture<Ledger.Settled> settle(
      Job job, Call call, AttemptResult result, ItemChange change, Instant finished) {
    CompletableFuture<Ledger.Settled> done = new CompletableFuture<>();
    new Tries(job, call, result, change, finished, done).run();
    return done;
  }

  private final class Tries implements Runnable {
    private final Job job;
    private final Call call;
    private final AttemptResult result;
    private final ItemChange change;
    private final Instant finished;
    private final CompletableFuture<Ledger.Settled> done;
    private int tries;

    Tries(
        Job job,
        Call call,
        AttemptResult result,
        ItemChange change,
        Instant finished,
        CompletableFuture<Ledger.Settled> done) {
      this.job = job;
      this.call = call;
      this.result = result;
      this.change = change;
      this.finished = finished;
      this.done = done;
    }

    @Override
    public void run() {
      tries++;
      try {
        Ledger.Settled settled =
            ledger.settle(job.held(), call.attempt(), result, change, call.reservation(), finished);
        if (tries > 1) {
          log.info("settled {} after {} tries: {}", job, tries, settled);
        }
        done.complete(settled);
      } catch (RuntimeException e) {
        if (job.isLeaseLost()) {
          log.warn("could not settle {} and its lease is lost: {}", job, e.toString());
          done.complete(Ledger.Settled.LEASE_LOST);
          return;
        }
        Duration wait = props.backoff(tries);
        if (tries == 1 || tries % 10 == 0) {
          log.warn("settling {} failed (try {}), again in {}: {}", job, tries, wait, e.toString());
        }
        retries.increment();
        try {
          timer.schedule(() -> io.execute(this), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException shuttingDown) {
          done.complete(Ledger.Settled.LEASE_LOST);
        }
      }
    }
  }
}
