package io.catalogimage.worker.batchlane;

import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import io.catalogimage.common.providerjob.ProviderJobPacker;
import io.catalogimage.common.providerjob.ProviderJobRepository;
import io.catalogimage.worker.WorkerProperties;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.claim.ItemClaims;
import io.catalogimage.worker.provider.batch.BatchCallFailed;
import io.catalogimage.worker.provider.batch.BatchJobStatus;
import io.catalogimage.worker.provider.batch.BatchProvider;
import io.catalogimage.worker.routing.RoutingPolicy;
import io.catalogimage.worker.run.BatchCalls;
import io.catalogimage.worker.run.Phases;
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
 * Packs due items of the {@code batch} lane into provider jobs: claims them, records each line's
 * attempt in the ledger (reserved at the batch rate), writes the job (SUBMITTING) with its lines,
 * submits it under our row's id as its display name, then in one transaction stores the provider's
 * job id and moves the items to IN_PROVIDER_BATCH. A submit whose outcome is unknown leaves the row
 * SUBMITTING for {@link PollProviderJobs} to look up at the provider. An item whose deadline leaves
 * no room for a job goes to real time instead.
 */
@Component
class SubmitProviderJobs implements RunsInLoop {

  private static final Logger log = LoggerFactory.getLogger(SubmitProviderJobs.class);

  private final PollingLoop loop;
  private final BatchLaneProperties props;
  private final WorkerProperties worker;
  private final BatchLaneRepository lane;
  private final ProviderJobRepository jobs;
  private final ItemRepository items;
  private final ItemClaims claims;
  private final RoutingPolicy routing;
  private final BatchEndpoints endpoints;
  private final BatchCalls calls;
  private final TransactionTemplate tx;
  private final Clock clock;

  SubmitProviderJobs(
      BatchLaneProperties props,
      WorkerProperties worker,
      BatchLaneRepository lane,
      ProviderJobRepository jobs,
      ItemRepository items,
      ItemClaims claims,
      RoutingPolicy routing,
      BatchEndpoints endpoints,
      BatchCalls calls,
      TransactionTemplate tx,
      Clock clock) {
    this.props = props;
    this.worker = worker;
    this.lane = lane;
    this.jobs = jobs;
    this.items = items;
    this.claims = claims;
    this.routing = routing;
    this.endpoints = endpoints;
    this.calls = calls;
    this.tx = tx;
    this.clock = clock;
    this.loop = new PollingLoop("SubmitProviderJobs", props.packEvery(), this::packOnce);
  }

  /** One pass; true when more items may be due at once. */
  boolean packOnce() {
    if (!props.enabled()) {
      return false;
    }
    Instant now = clock.instant();
    int moved =
        lane.moveTooLateToRealTime(
            props.fallbackLane(), now.plus(props.fallbackReserve()).plus(props.pollEvery()));
    if (moved > 0) {
      log.info("{} batch-lane items moved to real time: their deadline is too close", moved);
    }
    int reruns = lane.moveRerunsToRealTime(props.fallbackLane());
    if (reruns > 0) {
      log.info("{} edits or recaptions of batch-lane items moved to real time", reruns);
    }
    int limit = props.maxLinesPerJob() * 4;
    List<ItemId> due = lane.due(now, limit);
    if (due.isEmpty()) {
      return false;
    }
    ItemClaims.Claimed claimed = claims.claim(due, worker.id(), now, now.plus(props.jobLease()));
    Map<ItemId, BatchCalls.Prepared> prepared = new HashMap<>();
    try {
      packAndSubmit(claimed, now, prepared);
    } finally {
      prepared.values().forEach(p -> p.request().releaseImages()); // none left behind on a throw
    }
    return due.size() == limit;
  }

  private void packAndSubmit(
      ItemClaims.Claimed claimed, Instant now, Map<ItemId, BatchCalls.Prepared> prepared) {
    Map<ItemId, BatchProvider> endpointOf = new HashMap<>();
    List<ProviderJobPacker.Candidate> candidates = new ArrayList<>();
    for (ClaimedItem item : claimed.items()) {
      String model = routing.modelFor(item);
      Optional<BatchProvider> endpoint = endpoints.forModel(model);
      if (endpoint.isEmpty()) {
        items.requeue(
            new ItemRepository.Held(item.id(), worker.id(), item.version()),
            new ItemRepository.Requeue(
                now, model, null, null, null, "no batch endpoint serves " + model),
            java.math.BigDecimal.ZERO,
            now);
        lane.moveToLane(item.id(), props.fallbackLane());
        continue;
      }
      Optional<BatchCalls.Prepared> p =
          calls.prepare(item, worker.id(), model, BatchEndpoints.asLedgerEndpoint(endpoint.get()));
      if (p.isEmpty()) {
        continue;
      }
      prepared.put(item.id(), p.get());
      endpointOf.put(item.id(), endpoint.get());
      candidates.add(
          new ProviderJobPacker.Candidate(
              item.id(),
              model + "@" + endpoint.get().endpoint(),
              item.referenceImage() == null ? "text" : "photo"));
    }
    for (ProviderJobPacker.Pack pack : ProviderJobPacker.pack(candidates, props.maxLinesPerJob())) {
      List<BatchCalls.Prepared> lines = pack.items().stream().map(prepared::get).toList();
      BatchProvider endpoint = endpointOf.get(pack.items().get(0));
      try {
        submit(endpoint, lines, Math.min(props.maxLinesPerJob(), endpoint.maxLines()));
      } finally {
        // sent or not, the lines' photos are not needed again (a line packed again is prepared
        // again): their files go now, not after the whole claim
        lines.forEach(p -> p.request().releaseImages());
      }
    }
  }

  private void submit(BatchProvider endpoint, List<BatchCalls.Prepared> lines, int maxLines) {
    if (lines.size() > maxLines) {
      submit(endpoint, lines.subList(0, maxLines), maxLines);
      submit(endpoint, lines.subList(maxLines, lines.size()), maxLines);
      return;
    }
    Instant now = clock.instant();
    String model = lines.get(0).model();
    Instant latestSafe = now.plus(props.windowWithoutDeadline());
    for (BatchCalls.Prepared p : lines) {
      Instant deadline = p.item().deadline();
      if (deadline != null && deadline.minus(props.fallbackReserve()).isBefore(latestSafe)) {
        latestSafe = deadline.minus(props.fallbackReserve());
      }
    }
    UUID job = UUID.randomUUID();
    List<ItemId> ids = lines.stream().map(p -> p.item().id()).toList();
    jobs.create(
        job,
        endpoint.endpoint(),
        model,
        ids,
        lines.stream().map(BatchCalls.Prepared::attempt).toList(),
        latestSafe,
        worker.id(),
        now.plus(props.jobLease()),
        now);
    BatchJobStatus status;
    try {
      // the display name is our row's id: a worker that finds this row SUBMITTING later (this
      // one lost, or its answer lost) looks the job up by it before paying for the lines again
      status =
          endpoint.submit(
              model,
              job.toString(),
              lines.stream()
                  .map(
                      p ->
                          new BatchProvider.BatchLine(
                              p.item().id().value().toString(), p.request()))
                  .toList());
    } catch (BatchCallFailed e) {
      if (!e.permanent()) {
        // a reset, a timeout, a 5xx: the provider may have taken the job. The row stays
        // SUBMITTING and is due now: the poller asks the provider's list and adopts the job, or
        // queues the items again when the provider has none (PollProviderJobs.resolveLostSubmit)
        log.warn(
            "provider job {} ({} lines): submit outcome unknown ({}); looked up at the provider",
            job,
            lines.size(),
            e.getMessage());
        jobs.polled(job, worker.id(), null, clock.instant());
        return;
      }
      refused(job, lines, e);
      return;
    } catch (IllegalArgumentException e) {
      refused(job, lines, e);
      return;
    }
    Instant latest = latestSafe;
    Boolean stored =
        tx.execute(
            s -> {
              if (!jobs.submitted(
                  job,
                  status.jobId(),
                  status.state().name(),
                  clock.instant().plus(props.pollEvery()))) {
                return false; // another worker settled the row meanwhile (see below)
              }
              List<ItemId> packed =
                  items.packIntoProviderJob(
                      lines.stream().map(BatchCalls.Prepared::held).toList(), job, clock.instant());
              lane.tag(
                  status.jobId(), ids, lines.stream().map(BatchCalls.Prepared::attempt).toList());
              if (packed.size() != lines.size()) {
                log.warn(
                    "provider job {}: {} of {} items were no longer held; their lines come back"
                        + " late",
                    status.jobId(),
                    lines.size() - packed.size(),
                    lines.size());
              }
              return true;
            });
    if (!Boolean.TRUE.equals(stored)) {
      lostTheRow(job, endpoint, status);
      return;
    }
    log.info(
        "provider job {} ({}, {} lines of {}) submitted; latest safe moment {}",
        status.jobId(),
        endpoint.endpoint(),
        lines.size(),
        model,
        latest);
  }

  /** The provider refused the job (a 4xx, or lines it cannot take): nothing was created. */
  private void refused(UUID job, List<BatchCalls.Prepared> lines, RuntimeException e) {
    boolean permanent = !(e instanceof BatchCallFailed f) || f.permanent();
    log.warn("provider job {} ({} lines) not created: {}", job, lines.size(), e.getMessage());
    for (BatchCalls.Prepared p : lines) {
      calls.submitFailed(
          p, e.getMessage(), permanent, permanent ? Duration.ofMinutes(10) : Duration.ofMinutes(1));
    }
    jobs.ended(job, "ABANDONED", null, "submit failed: " + e.getMessage(), clock.instant());
  }

  /**
   * The submit answered after another worker had taken the row over (this one was too slow): if
   * that worker found this job at the provider, it follows it; if it found none (it asked before
   * the job existed) and queued the items again, nobody waits for this job, so it is cancelled
   * before it runs and bills.
   */
  private void lostTheRow(UUID job, BatchProvider endpoint, BatchJobStatus status) {
    boolean adopted =
        jobs.find(job).map(r -> status.jobId().equals(r.providerJobId())).orElse(false);
    if (adopted) {
      log.info("provider job {}: another worker adopted it while its submit answered", job);
      return;
    }
    log.warn(
        "provider job {} ({}) answered after its row was settled without it: cancelled",
        status.jobId(),
        job);
    try {
      endpoint.cancel(status.jobId());
    } catch (BatchCallFailed e) {
      log.warn("provider job {}: cancel failed: {}", status.jobId(), e.getMessage());
    }
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
