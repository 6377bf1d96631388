package io.catalogimage.worker.batchlane;

import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import io.catalogimage.common.pricing.Price;
import io.catalogimage.common.pricing.SpendMonth;
import io.catalogimage.common.providerjob.ProviderJobRepository;
import io.catalogimage.worker.WorkerProperties;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.claim.ItemClaims;
import io.catalogimage.worker.ledger.CapReservations;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.Providers;
import io.catalogimage.worker.provider.batch.BatchCallFailed;
import io.catalogimage.worker.provider.batch.BatchJobState;
import io.catalogimage.worker.provider.batch.BatchJobStatus;
import io.catalogimage.worker.provider.batch.BatchLineResult;
import io.catalogimage.worker.provider.batch.BatchProvider;
import io.catalogimage.worker.run.BatchCalls;
import io.catalogimage.worker.run.GenerateImages;
import io.catalogimage.worker.run.Phases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Follows the open provider jobs (any worker's: a job whose poller died is leased again): polls
 * each; at its latest safe moment cancels it and sends its unfinished items to real time; when it
 * has ended takes each waiting item back and hands its line's answer to the real-time settle path
 * (exactly once: only an item still waiting for this job can be taken), sends lines that never ran
 * back to the queue, and records a result for an item that moved on meanwhile as paid and
 * discarded.
 */
@Component
class PollProviderJobs implements RunsInLoop {

  private static final Logger log = LoggerFactory.getLogger(PollProviderJobs.class);

  private final PollingLoop loop;
  private final BatchLaneProperties props;
  private final WorkerProperties worker;
  private final BatchLaneRepository lane;
  private final ProviderJobRepository jobs;
  private final ItemRepository items;
  private final ItemClaims claims;
  private final BatchEndpoints endpoints;
  private final BatchCalls calls;
  private final GenerateImages runner;
  private final Providers providers;
  private final Clock clock;
  private final Counter fellBack;
  private final Counter late;
  private final Counter adopted;
  private final TransactionTemplate tx;

  /**
   * Jobs created this long before our row (clocks of the provider and of Postgres differ) still
   * count as candidates when looking a lost submit up.
   */
  private static final Duration LIST_CLOCK_SKEW = Duration.ofMinutes(10);

  PollProviderJobs(
      BatchLaneProperties props,
      WorkerProperties worker,
      BatchLaneRepository lane,
      ProviderJobRepository jobs,
      ItemRepository items,
      ItemClaims claims,
      BatchEndpoints endpoints,
      BatchCalls calls,
      GenerateImages runner,
      Providers providers,
      Clock clock,
      MeterRegistry meters,
      TransactionTemplate tx) {
    this.tx = tx;
    this.props = props;
    this.worker = worker;
    this.lane = lane;
    this.jobs = jobs;
    this.items = items;
    this.claims = claims;
    this.endpoints = endpoints;
    this.calls = calls;
    this.runner = runner;
    this.providers = providers;
    this.clock = clock;
    this.fellBack =
        Counter.builder("pipeline.batch_lane.fell_back")
            .description("items of provider jobs not back by their latest safe moment")
            .register(meters);
    this.late =
        Counter.builder("pipeline.batch_lane.late_discarded")
            .description("provider job results for items already done elsewhere: paid, discarded")
            .register(meters);
    this.adopted =
        Counter.builder("pipeline.batch_lane.adopted")
            .description("provider jobs of a lost submitter found at the provider and adopted")
            .register(meters);
    this.loop = new PollingLoop("PollProviderJobs", props.pollEvery(), this::pollOnce);
  }

  /** One pass over the jobs due; true when more may be due at once. */
  boolean pollOnce() {
    if (!props.enabled()) {
      return false;
    }
    List<ProviderJobRepository.ProviderJob> due =
        jobs.leaseDue(worker.id(), clock.instant(), props.jobLease(), 20);
    for (ProviderJobRepository.ProviderJob job : due) {
      try {
        follow(job);
      } catch (BatchCallFailed e) {
        log.warn("provider job {}: {} (asked again later)", job.providerJobId(), e.getMessage());
        jobs.polled(
            job.id(), worker.id(), job.providerState(), clock.instant().plus(props.pollEvery()));
      } catch (RuntimeException e) {
        log.error("provider job {} could not be followed; asked again later", job.id(), e);
        jobs.polled(
            job.id(), worker.id(), job.providerState(), clock.instant().plus(props.pollEvery()));
      }
    }
    return due.size() == 20;
  }

  private void follow(ProviderJobRepository.ProviderJob job) {
    Instant now = clock.instant();
    if (job.state().equals("SUBMITTING")) {
      resolveLostSubmit(job);
      return;
    }
    Optional<BatchProvider> endpoint = endpoints.named(job.endpoint());
    if (endpoint.isEmpty()) {
      jobs.polled(job.id(), worker.id(), job.providerState(), now.plus(props.pollEvery()));
      return;
    }
    BatchProvider provider = endpoint.get();
    BatchJobStatus status = provider.poll(job.providerJobId());
    if (status.state().ended()) {
      collect(job, provider, status);
      return;
    }
    if (!job.fellBack() && !now.isBefore(job.latestSafeAt())) {
      fallBack(job, provider);
    } else if (jobs.waitingItems(job.id()) == 0 && status.state() != BatchJobState.CANCELLING) {
      // nothing waits for it any more (its batch was cancelled): stop paying for the rest
      provider.cancel(job.providerJobId());
    }
    jobs.polled(job.id(), worker.id(), status.state().name(), now.plus(props.pollEvery()));
  }

  /**
   * A row its submitter never completed (the worker was lost, or the submit's answer was): the
   * provider is asked for a job by the row's display name. Found, the job is adopted (its items
   * wait for it as if the submit had answered); not found, it never reached the provider, so the
   * lines' attempts end unbilled and the items are queued again. Either way nothing is paid twice.
   */
  private void resolveLostSubmit(ProviderJobRepository.ProviderJob job) {
    Instant now = clock.instant();
    Optional<BatchProvider> endpoint = endpoints.named(job.endpoint());
    if (endpoint.isEmpty()) {
      jobs.polled(job.id(), worker.id(), null, now.plus(props.pollEvery()));
      return;
    }
    // a failed lookup throws: the row stays SUBMITTING and is asked again at the next poll
    Optional<BatchJobStatus> found =
        endpoint.get().find(job.id().toString(), job.submittedAt().minus(LIST_CLOCK_SKEW));
    if (found.isPresent()) {
      BatchJobStatus status = found.get();
      List<ItemId> adopted =
          tx.execute(
              s -> {
                if (!jobs.submitted(job.id(), status.jobId(), status.state().name(), now)) {
                  return null; // its submitter stored the answer meanwhile
                }
                lane.tagLines(status.jobId(), job.id());
                return items.adoptIntoProviderJob(job.id(), now);
              });
      jobs.polled(job.id(), worker.id(), status.state().name(), now);
      if (adopted != null) {
        this.adopted.increment();
        log.info(
            "provider job {}: its submitter was lost; found at the provider as {} and adopted"
                + " ({} of {} items wait for it)",
            job.id(),
            status.jobId(),
            adopted.size(),
            job.items());
      }
      return;
    }
    String note =
        "its submitter was lost before storing the provider's answer, and the provider holds no"
            + " job named "
            + job.id()
            + ": never sent; its items were queued again";
    List<ItemId> released =
        tx.execute(
            s -> {
              if (!jobs.neverSubmitted(job.id(), note, now)) {
                return List.<ItemId>of();
              }
              List<ItemId> back = items.releaseUnsubmitted(job.id(), note, now);
              lane.closeUnsubmitted(job.id(), back, now);
              jobs.lineOutcome(job.id(), back, "RERUN");
              return back;
            });
    log.info("provider job {}: {}; {} items", job.id(), note, released.size());
  }

  /** The job is late: cancel it, and run its unfinished items in real time from now. */
  private void fallBack(ProviderJobRepository.ProviderJob job, BatchProvider provider) {
    Instant now = clock.instant();
    try {
      provider.cancel(job.providerJobId());
    } catch (BatchCallFailed e) {
      log.warn(
          "provider job {}: cancel failed ({}); falling back anyway",
          job.providerJobId(),
          e.getMessage());
    }
    List<ItemId> lines =
        jobs.lines(job.id()).stream().map(ProviderJobRepository.Line::item).toList();
    String note =
        "its provider job "
            + job.providerJobId()
            + " was not back by its latest safe moment "
            + job.latestSafeAt()
            + ": runs in real time";
    List<ItemId> moved =
        items.backFromProviderJob(lines, job.id(), props.fallbackLane(), note, now);
    lane.closeUnrun(
        job.providerJobId(),
        moved,
        "FELL_BACK",
        "provider job not back by its latest safe moment; cancelled there, the item runs in real"
            + " time",
        now);
    jobs.lineOutcome(job.id(), moved, "RERUN");
    jobs.fellBack(job.id(), note, now);
    fellBack.increment(moved.size());
    log.info(
        "provider job {}: {} items fell back to real time at {}",
        job.providerJobId(),
        moved.size(),
        now);
  }

  /** The job ended: take its answers, exactly once each. */
  private void collect(
      ProviderJobRepository.ProviderJob job, BatchProvider provider, BatchJobStatus status) {
    Instant now = clock.instant();
    Map<ItemId, BatchLaneRepository.LineAttempt> attempts = lane.lineAttempts(job.providerJobId());
    List<ItemId> lineItems =
        jobs.lines(job.id()).stream().map(ProviderJobRepository.Line::item).toList();
    List<ClaimedItem> taken =
        claims.takeBatchResults(
            lineItems, job.id(), worker.id(), now, now.plus(worker.leaseDuration()));
    Map<ItemId, ClaimedItem> heldNow = new HashMap<>();
    taken.forEach(i -> heldNow.put(i.id(), i));
    List<BatchProvider.BatchLine> lines = new ArrayList<>();
    // items that moved on: their late lines are still priced at the size they asked for
    Map<ItemId, VariantSpec> movedOn =
        lane.variants(lineItems.stream().filter(id -> !heldNow.containsKey(id)).toList());
    for (ItemId id : lineItems) {
      ClaimedItem item = heldNow.get(id);
      VariantSpec asked = movedOn.get(id);
      GenerationRequest request =
          item != null
              ? calls.requestFor(item, job.model())
              : new GenerationRequest(
                  job.model(),
                  "",
                  asked == null ? "1:1" : asked.aspectRatio(),
                  asked == null ? "1K" : asked.size(),
                  null,
                  List.of(),
                  List.of());
      lines.add(new BatchProvider.BatchLine(id.value().toString(), request));
    }
    List<BatchLineResult> results = provider.results(status, lines);
    ImageProvider ledgerEndpoint = BatchEndpoints.asLedgerEndpoint(provider);
    Map<ItemId, BatchProvider.BatchLine> byItem = new HashMap<>();
    lines.forEach(l -> byItem.put(new ItemId(UUID.fromString(l.key())), l));
    List<ItemId> used = new ArrayList<>();
    List<ItemId> lateOnes = new ArrayList<>();
    // images of lines not handed on (late, not ours, or left when this fails half-way) go back
    // to the spool: it is the worker's byte budget
    List<BatchLineResult> notHandedOn = new ArrayList<>(results);
    try {
      for (BatchLineResult r : results) {
        ItemId id = new ItemId(UUID.fromString(r.key()));
        BatchLaneRepository.LineAttempt attempt = attempts.get(id);
        ClaimedItem item = heldNow.remove(id);
        if (attempt == null) {
          continue;
        }
        if (item == null) {
          BigDecimal cost = batchCost(provider, job.model(), byItem.get(id).request(), r.outcome());
          if (lane.late(job.providerJobId(), id, cost, now)) {
            lateOnes.add(id);
          }
          continue;
        }
        used.add(id);
        if (!(r.outcome() instanceof ProviderOutcome.Generated)) {
          // a failed line runs again in real time, never in another day-long job
          lane.setLaneOfHeld(id, worker.id(), props.fallbackLane());
        }
        runner.acceptBatchAnswer(
            new GenerateImages.BatchAnswer(
                item,
                attempt.attempt(),
                job.model(),
                ledgerEndpoint,
                byItem.get(id).request(),
                attempt.started(),
                attempt.reserved(),
                new CapReservations.Reservation(
                    item,
                    attempt.reserved(),
                    item.costCapUsd() != null,
                    item.tenantMonthlyCapUsd() == null
                        ? null
                        : SpendMonth.of(attempt.started()).toString()),
                r.outcome()));
        notHandedOn.remove(r);
      }
    } finally {
      BatchLineResult.discardAll(notHandedOn);
    }
    // held but without a result: the line never ran (expired, cancelled, failed job)
    List<ItemId> unrun = new ArrayList<>(heldNow.keySet());
    lane.closeUnrun(
        job.providerJobId(),
        unrun,
        "NOT_RUN",
        "the provider job ended " + status.state() + " before this line ran",
        now);
    for (ClaimedItem item : heldNow.values()) {
      lane.setLaneOfHeld(item.id(), worker.id(), props.fallbackLane());
      items.requeue(
          new ItemRepository.Held(item.id(), worker.id(), item.version()),
          new ItemRepository.Requeue(
              now,
              job.model(),
              null,
              "BATCH_" + status.state(),
              "its line did not run (provider job " + status.state() + ")",
              "its provider job ended "
                  + status.state()
                  + " before its line ran: runs in real time"),
          BigDecimal.ZERO,
          now);
    }
    jobs.lineOutcome(job.id(), used, "USED");
    jobs.lineOutcome(job.id(), unrun, "RERUN");
    jobs.lineOutcome(job.id(), lateOnes, "LATE");
    late.increment(lateOnes.size());
    jobs.ended(job.id(), "ENDED", status.state().name(), status.message(), now);
    log.info(
        "provider job {} ended {}: {} results used, {} lines queued again, {} late results paid"
            + " and discarded",
        job.providerJobId(),
        status.state(),
        used.size(),
        unrun.size(),
        lateOnes.size());
  }

  private BigDecimal batchCost(
      BatchProvider provider, String model, GenerationRequest request, ProviderOutcome outcome) {
    if (!(outcome instanceof ProviderOutcome.Generated g) || g.info().usage() == null) {
      return BigDecimal.ZERO;
    }
    Price price = providers.price(BatchEndpoints.asLedgerEndpoint(provider), model, request.size());
    return price.atBatchRate().cost(g.info().usage());
  }

  @Override
  public PollingLoop loop() {
    return loop;
  }

  @Override
  public int getPhase() {
    return Phases.CONSUME;
  }
}
