package io.catalogimage.worker.result;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * The store step: puts a finished image and its sidecar in object storage, and keeps trying while
 * the store is away (backoff from 250ms to {@code retry-backoff-max}) until it succeeds, the item's
 * lease is lost, or the PUT has failed for {@code give-up-storing-after}. A finished image is never
 * made again because storage hiccupped: it is held (in memory or spooled) and PUT again. Nothing
 * blocks while it waits: each try is scheduled.
 */
@Component
public class StoreResults {

  private static final Logger log = LoggerFactory.getLogger(StoreResults.class);

  /** How storing ended. */
  public sealed interface Outcome {}

  public record Stored(ResultWriter.Stored keys) implements Outcome {}

  /** The store refused for {@code give-up-storing-after}: the item fails, nothing is re-bought. */
  public record GaveUp(String reason) implements Outcome {}

  /** The item's lease is gone: another worker owns it now; this image is not used. */
  public record LeaseLost() implements Outcome {}

  private final ResultWriter writer;
  private final ResultProperties props;
  private final Executor io;
  private final ScheduledExecutorService timer;
  private final Clock clock;
  private final Counter retries;

  public StoreResults(
      ResultWriter writer,
      ResultProperties props,
      @Qualifier("workerIo") Executor io,
      @Qualifier("retryTimer") ScheduledExecutorService timer,
      Clock clock,
      MeterRegistry meters) {
    this.writer = writer;
    this.props = props;
    this.io = io;
    this.timer = timer;
    this.clock = clock;
    this.retries =
        Counter.builder("pipeline.results.store_retries")
            .description("PUTs of finished images tried again after the store failed")
            .register(meters);
  }

  /**
   * Stores one attempt's result; the future completes with how it ended, never exceptionally.
   *
   * @param leaseLost true once the worker learns that it no longer holds the item
   */
  public CompletableFuture<Outcome> store(
      ResultWriter.Target target,
      ResultSpool.Held image,
      String mimeType,
      Supplier<byte[]> sidecarJson,
      BooleanSupplier leaseLost) {
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    new Tries(target, image, mimeType, sidecarJson, leaseLost, done, clock.instant()).run();
    return done;
  }

  private final class Tries implements Runnable {
    private final ResultWriter.Target target;
    private final ResultSpool.Held image;
    private final String mimeType;
    private final Supplier<byte[]> sidecar;
    private final BooleanSupplier leaseLost;
    private final CompletableFuture<Outcome> done;
    private final Instant first;
    private int tries;

    Tries(
        ResultWriter.Target target,
        ResultSpool.Held image,
        String mimeType,
        Supplier<byte[]> sidecar,
        BooleanSupplier leaseLost,
        CompletableFuture<Outcome> done,
        Instant first) {
      this.target = target;
      this.image = image;
      this.mimeType = mimeType;
      this.sidecar = sidecar;
      this.leaseLost = leaseLost;
      this.done = done;
      this.first = first;
    }

    @Override
    public void run() {
      if (leaseLost.getAsBoolean()) {
        done.complete(new LeaseLost());
        return;
      }
      tries++;
      try {
        done.complete(new Stored(writer.write(target, image, mimeType, sidecar)));
        if (tries > 1) {
          log.info("stored {} after {} tries", target, tries);
        }
        return;
      } catch (RuntimeException e) {
        Duration failingFor = Duration.between(first, clock.instant());
        if (failingFor.compareTo(props.giveUpStoringAfter()) >= 0) {
          done.complete(
              new GaveUp(
                  "object storage refused the image for "
                      + failingFor.toSeconds()
                      + "s ("
                      + tries
                      + " tries): "
                      + e));
          return;
        }
        Duration wait = props.backoff(tries);
        if (tries == 1 || tries % 10 == 0) {
          log.warn(
              "storing {} failed (try {}), again in {}: {}", target, tries, wait, e.toString());
        }
        retries.increment();
        timer.schedule(() -> io.execute(this), wait.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }
}
