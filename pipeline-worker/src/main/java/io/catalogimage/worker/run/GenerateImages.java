package io.catalogimage.worker.run;

import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.json.Json;
import io.catalogimage.worker.WorkerProperties;
import io.catalogimage.worker.budget.BudgetAnswer;
import io.catalogimage.worker.budget.Budgets;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.edit.ConversationTurns;
import io.catalogimage.worker.ledger.AttemptResult;
import io.catalogimage.worker.ledger.ItemChange;
import io.catalogimage.worker.ledger.Ledger;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.SplicedBody;
import io.catalogimage.worker.result.AltText;
import io.catalogimage.worker.result.ResultSpool;
import io.catalogimage.worker.result.ResultWriter;
import io.catalogimage.worker.result.StoreResults;
import io.catalogimage.worker.routing.Decision;
import io.catalogimage.worker.routing.ModelBreakers;
import io.catalogimage.worker.routing.RoutingPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs claimed items through the steps of a call: {@link RouteStep route} (the model, around open
 * circuits) → {@link BudgetGate budget gate} (a slot of the shared budget) → {@link ReserveStep
 * reserve} (reference photo, cost reserved, attempt recorded) → {@link CallStep call} (the
 * provider, asynchronously) → the routing decision → {@link StoreResults store} (an image, kept and
 * PUT until stored) → {@link SettleStep settle} (attempt, item and caps in one transaction, tried
 * until done).
 *
 * <p>This class only moves items between the steps and keeps the worker's accounting: at most
 * {@code max-in-flight} items held, each holding one in-flight slot and, from its budget slot to
 * the end of its call, one gate permit; all three are given back exactly once when the item leaves
 * ({@link #finish}), whichever step it leaves from and however it fails. No thread waits for a
 * provider, a budget, a store or the database.
 */
@Component
public class GenerateImages implements SmartLifecycle {

  /** Told when this worker can take more items or should stop taking them. */
  public interface CapacityListener {
    void capacityChanged(boolean hasRoom);
  }

  private static final Logger log = LoggerFactory.getLogger(GenerateImages.class);

  private final WorkerProperties props;
  private final RouteStep route;
  private final ReserveStep reserve;
  private final CallStep call;
  private final StoreResults store;
  private final SettleStep settle;
  private final CaptionStep captions;
  private final RecaptionStep recaptions;
  private final RoutingPolicy routing;
  private final ModelBreakers breakers;
  private final Budgets budgets;
  private final Ledger ledger;
  private final BudgetProperties budgetProps;
  private final ItemRepository items;
  private final ResultSpool spool;
  private final ExecutorService io;
  private final ScheduledExecutorService timer;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Counter discarded;

  private final InFlight inFlight;
  private final Map<String, BudgetGate> gates = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Job> waiting = new ConcurrentLinkedQueue<>();
  private volatile boolean running;

  public GenerateImages(
      WorkerProperties props,
      RouteStep route,
      ReserveStep reserve,
      CallStep call,
      StoreResults store,
      SettleStep settle,
      CaptionStep captions,
      RecaptionStep recaptions,
      RoutingPolicy routing,
      ModelBreakers breakers,
      Budgets budgets,
      Ledger ledger,
      BudgetProperties budgetProps,
      ItemRepository items,
      ResultSpool spool,
      @Qualifier("workerIo") ExecutorService io,
      @Qualifier("retryTimer") ScheduledExecutorService timer,
      Clock clock,
      MeterRegistry meters) {
    this.props = props;
    this.route = route;
    this.reserve = reserve;
    this.call = call;
    this.store = store;
    this.settle = settle;
    this.captions = captions;
    this.recaptions = recaptions;
    this.routing = routing;
    this.breakers = breakers;
    this.budgets = budgets;
    this.ledger = ledger;
    this.budgetProps = budgetProps;
    this.items = items;
    this.spool = spool;
    this.io = io;
    this.timer = timer;
    this.clock = clock;
    this.meters = meters;
    // the byte budget: while images received and not yet stored fill it, no new call starts
    this.inFlight = new InFlight(props.maxInFlight(), spool::full);
    spool.onRoom(this::pump);
    this.discarded =
        Counter.builder("pipeline.results.discarded")
            .description("finished images not used because the item's lease was lost meanwhile")
            .register(meters);
    meters.gauge("pipeline.worker.in_flight", inFlight, InFlight::started);
    meters.gauge("pipeline.worker.held", inFlight, InFlight::held);
    meters.gauge("pipeline.results.spooled_bytes", spool, ResultSpool::bytesOnDisk);
    meters.gauge("pipeline.results.pending_bytes", spool, ResultSpool::bytesPending);
  }

  public void onCapacityChange(CapacityListener listener) {
    inFlight.onCapacityChange(listener::capacityChanged);
  }

  /** Takes claimed items; they start as capacity allows. */
  public void accept(List<ClaimedItem> claimed) {
    for (ClaimedItem item : claimed) {
      Job job = new Job(item, props.id());
      inFlight.hold(job);
      waiting.add(job);
    }
    pump();
  }

  /**
   * A provider batch job's answer for an item taken back from IN_PROVIDER_BATCH (RUNNING under this
   * worker's lease): decided, stored and settled exactly like a real-time answer, and priced at the
   * batch rate. The item counts as held until it is settled.
   */
  public void acceptBatchAnswer(BatchAnswer answer) {
    Job job = new Job(answer.item(), props.id());
    job.called();
    inFlight.hold(job);
    Call c =
        new Call(
            answer.model(),
            answer.endpoint(),
            answer.attempt(),
            answer.request(),
            answer.started(),
            answer.reserved(),
            answer.reservation(),
            true);
    io.execute(() -> answered(job, c, answer.outcome()));
  }

  /** What {@link #acceptBatchAnswer} needs: the item, its attempt and the line's outcome. */
  public record BatchAnswer(
      ClaimedItem item,
      int attempt,
      String model,
      io.catalogimage.worker.provider.ImageProvider endpoint,
      io.catalogimage.worker.provider.GenerationRequest request,
      Instant started,
      BigDecimal reserved,
      io.catalogimage.worker.ledger.CapReservations.Reservation reservation,
      ProviderOutcome outcome) {}

  public boolean hasRoom() {
    return inFlight.hasRoom();
  }

  /** Items this worker holds a lease on and still works on (for lease renewal). */
  public List<ItemId> heldItems() {
    return inFlight.heldJobs().stream().map(j -> j.item.id()).toList();
  }

  /** Items started and not finished. */
  public int inFlight() {
    return inFlight.started();
  }

  /**
   * The lease renewal asked about {@code asked} and still holds {@code renewed}: the others belong
   * to someone else now. Their calls in flight finish, but nothing more is done for them: no store,
   * no settle of the item (the ledger still records the call), no further retries.
   */
  public void leasesRenewed(Collection<ItemId> asked, Set<ItemId> renewed) {
    for (ItemId id : asked) {
      if (renewed.contains(id)) {
        continue;
      }
      Job job = inFlight.job(id);
      if (job == null) {
        continue; // finished meanwhile
      }
      // an item not called yet is dropped where it waits; a call in flight finishes and is
      // recorded, but its result is not stored or retried
      job.leaseLost();
      log.info("lease on {} lost (it belongs to another worker now)", id);
    }
  }

  private void pump() {
    while (running) {
      InFlight.Slot slot = inFlight.tryStart();
      if (slot == null) {
        return;
      }
      Job job = waiting.poll();
      if (job == null) {
        slot.release();
        // an item may have arrived between poll and release, while this thread held the slot
        if (waiting.isEmpty()) {
          return;
        }
        continue;
      }
      job.slot = slot;
      io.execute(() -> start(job));
    }
  }

  /** Route, then queue for the model's budget. */
  private void start(Job job) {
    try (var mdc = ItemLogContext.of(job.item)) {
      if (job.isLeaseLost()) {
        finish(job);
        return;
      }
      if (job.item.isRecaption()) {
        // caption calls only, on the stored image: this path has no image call to make
        recaptions.run(job).whenComplete((done, failure) -> finish(job));
        return;
      }
      RouteStep.Route r = route.route(job);
      if (r instanceof RouteStep.Requeue q) {
        requeueWithoutCall(job, q.at(), q.model(), q.reason(), q.reason());
        return;
      }
      if (r instanceof RouteStep.Fail f) {
        failWithoutCall(job, f.errorType(), f.reason());
        return;
      }
      RouteStep.Go go = (RouteStep.Go) r;
      gate(go.provider().endpoint(), go.model())
          .enqueue(
              new BudgetGate.Waiter() {
                @Override
                public ClaimedItem item() {
                  return job.item;
                }

                @Override
                public void go(BudgetGate.Permit permit) {
                  job.gate = permit;
                  slotDue(job, go);
                }

                @Override
                public void handBack(BudgetAnswer.Wait wait) {
                  handBackForBudget(job, go.model(), wait);
                }
              });
    } catch (RuntimeException e) {
      log.error("could not start {}; its lease will expire", job, e);
      finish(job);
    }
  }

  /** The budget slot is due: reserve, record, call. */
  private void slotDue(Job job, RouteStep.Go go) {
    try (var mdc = ItemLogContext.of(job.item)) {
      if (job.isLeaseLost()) {
        finish(job);
        return;
      }
      var exhausted =
          job.gate != null && job.gate.probe()
              ? Optional.<BudgetAnswer.Wait>empty()
              : budgets.exhausted(go.provider().endpoint(), go.model());
      if (exhausted.isPresent()) {
        // booked before the quota ran out: park or reroute instead of a certain 429
        handBackForBudget(job, go.model(), exhausted.get());
        return;
      }
      ReserveStep.Reserved r = reserve.reserve(job, go.model(), go.provider(), go.routed());
      if (r instanceof ReserveStep.Ended ended) {
        log.debug("{}: no call ({})", job, ended.why());
        finish(job);
        return;
      }
      Call c = ((ReserveStep.Ready) r).call();
      call.call(job, c)
          // the body is sent once the answer is in: the request's photos can go
          .whenComplete((outcome, failure) -> c.request().releaseImages())
          .thenAcceptAsync(outcome -> answered(job, c, outcome), io)
          .exceptionally(
              failure -> {
                log.error("handling the answer for {} failed; its lease will expire", job, failure);
                finish(job);
                return null;
              });
    } catch (RuntimeException e) {
      log.error("could not call for {}; its lease will expire", job, e);
      finish(job);
    }
  }

  /** The provider answered: decide, store an image, settle. */
  private void answered(Job job, Call c, ProviderOutcome outcome) {
    try (var mdc = ItemLogContext.of(job.item)) {
      answeredInContext(job, c, outcome);
    } catch (RuntimeException e) {
      if (outcome instanceof ProviderOutcome.Generated g) {
        g.image().release(); // failed before the store took it
      }
      throw e;
    }
  }

  private void answeredInContext(Job job, Call c, ProviderOutcome outcome) {
    Instant finished = clock.instant();
    BigDecimal cost = call.cost(c, outcome);
    Decision decision = routing.decide(job.item, c.model(), c.attempt(), outcome);
    // the call is over: its model's gate may let the next one through while we store and settle
    release(job.gate);
    if (outcome instanceof ProviderOutcome.Generated g && decision instanceof Decision.Accept a) {
      storeThenSettle(job, c, g, a, cost, finished);
      return;
    }
    if (outcome instanceof ProviderOutcome.Generated g) {
      g.image().release(); // not used (a downgrade retried by policy): its bytes go now
    }
    settleThenFinish(
        job,
        c,
        AttemptRecords.result(outcome, decision.describe(), cost),
        change(job.item, decision, outcome, c.model()),
        finished);
  }

  /** Checks the image's alt text, has the locales that need it captioned, then stores. */
  private void storeThenSettle(
      Job job,
      Call c,
      ProviderOutcome.Generated g,
      Decision.Accept accept,
      BigDecimal cost,
      Instant finished) {
    ClaimedItem item = job.item;
    AltText alt = AltText.parse(g.text(), item.altTextLocales());
    captions
        .complete(
            job,
            SplicedBody.Source.of(g.image()), // read from the spool: the image is not copied
            g.mimeType(),
            alt.caption(),
            captions.check(item, alt))
        .thenAcceptAsync(
            captioned -> storeThenSettle(job, c, g, accept, cost, finished, alt, captioned), io)
        .exceptionally(
            failure -> {
              log.error("storing the image of {} failed; its lease will expire", job, failure);
              finish(job);
              return null;
            });
  }

  private void storeThenSettle(
      Job job,
      Call c,
      ProviderOutcome.Generated g,
      Decision.Accept accept,
      BigDecimal cost,
      Instant finished,
      AltText alt,
      CaptionStep.Captioned captioned) {
    ClaimedItem item = job.item;
    // made after the image's PUT, which may hand back the image's hash the sidecar carries
    Supplier<byte[]> sidecar =
        () ->
            Json.mapper()
                .writerWithDefaultPrettyPrinter()
                .writeValueAsBytes(
                    AttemptRecords.sidecar(item, c, g, alt, captioned, cost, finished));
    AttemptResult recorded = AttemptRecords.result(g, accept.describe(), cost);
    String served = g.info().modelVersion() == null ? c.model() : g.info().modelVersion();
    String mimeType = g.mimeType();
    // the spool has held the image's bytes since they arrived (memory or disk, never both)
    ResultSpool.Held image = g.image();
    store
        .store(
            new ResultWriter.Target(
                item.tenant(), item.batch(), item.sku(), item.variant().name(), c.attempt()),
            image,
            mimeType,
            sidecar,
            job::isLeaseLost)
        .thenAccept(
            stored -> {
              image.release();
              if (stored instanceof StoreResults.Stored s) {
                settleThenFinish(
                    job,
                    c,
                    recorded,
                    new ItemChange.Succeeded(
                        served,
                        s.keys().imageKey(),
                        s.keys().sidecarKey(),
                        captioned.byLocale(),
                        captioned.caption(),
                        accept.note(),
                        captioned.texts(),
                        ConversationTurns.turn(
                            item,
                            c.attempt(),
                            c.model(),
                            served,
                            c.request(),
                            g.modelTurn(),
                            mimeType,
                            s.keys().imageKey(),
                            s.keys().sidecarKey(),
                            captioned.byLocale(),
                            captioned.caption(),
                            finished),
                        item.isEdit() ? item.edit().id() : null),
                    finished);
              } else if (stored instanceof StoreResults.GaveUp gaveUp) {
                log.error("{}: {}", job, gaveUp.reason());
                settleThenFinish(
                    job,
                    c,
                    recorded,
                    new ItemChange.Finished(
                        ItemState.FAILED,
                        "STORAGE",
                        gaveUp.reason(),
                        "the image was made (and paid for) but could not be stored; it is not"
                            + " made again"),
                    finished);
              } else {
                discarded.increment();
                log.warn("{}: lease lost while storing its image; the call is still recorded", job);
                settleThenFinish(job, c, recorded, lostChange(c), finished);
              }
            })
        .exceptionally(
            failure -> {
              image.release();
              log.error("storing the image of {} failed; its lease will expire", job, failure);
              finish(job);
              return null;
            });
  }

  /** A change that cannot apply (the lease is gone): the settle only records the call. */
  private static ItemChange lostChange(Call c) {
    return new ItemChange.Requeued(
        Instant.EPOCH, c.model(), null, null, null, "lease lost while storing");
  }

  private void settleThenFinish(
      Job job, Call c, AttemptResult result, ItemChange change, Instant finished) {
    settle
        .settle(job, c, result, change, finished)
        .whenComplete(
            (settled, failure) -> {
              if (settled == Ledger.Settled.LEASE_LOST && change instanceof ItemChange.Succeeded) {
                discarded.increment();
                log.warn("{}: lease lost before its stored image was recorded", job);
              }
              finish(job);
            });
  }

  private static ItemChange change(
      ClaimedItem item, Decision decision, ProviderOutcome outcome, String calledModel) {
    if (item.isEdit() && decision instanceof Decision.GiveUp g) {
      // an edit that makes no image leaves the item as it was: SUCCEEDED, with its image
      return new ItemChange.EditEnded(
          item.edit().id(), g.state().name(), g.errorType(), g.reason());
    }
    if (decision instanceof Decision.RetryAt r) {
      String routeReason = r.model().equals(calledModel) ? null : r.reason();
      return new ItemChange.Requeued(
          r.at(), r.model(), routeReason, outcome.kind(), r.reason(), r.describe());
    }
    if (decision instanceof Decision.GiveUp g) {
      return new ItemChange.Finished(g.state(), g.errorType(), g.reason(), null);
    }
    throw new IllegalStateException("a " + decision + " needs an image");
  }

  private void handBackForBudget(Job job, String model, BudgetAnswer.Wait wait) {
    try {
      Decision.RetryAt retry =
          (Decision.RetryAt)
              routing.budgetWait(job.item, model, wait.after(), wait.dailyQuota(), wait.reason());
      String routeReason = retry.model().equals(model) ? null : retry.reason();
      requeueWithoutCall(job, retry.at(), retry.model(), routeReason, retry.reason());
    } catch (RuntimeException e) {
      log.warn("could not hand back {}; its lease will expire", job, e);
      finish(job);
    }
  }

  private void requeueWithoutCall(
      Job job, Instant at, String model, String routeReason, String note) {
    try {
      items.requeue(
          job.held(),
          new ItemRepository.Requeue(at, model, routeReason, null, null, note),
          BigDecimal.ZERO,
          clock.instant());
    } catch (RuntimeException e) {
      log.warn("could not requeue {}; its lease will expire", job, e);
    } finally {
      finish(job);
    }
  }

  private void failWithoutCall(Job job, String errorType, String reason) {
    try {
      log.warn("{} failed without a call: {}", job, reason);
      if (job.item.isEdit()) {
        ledger.endEditWithoutCall(
            job.held(), job.item.edit().id(), errorType, reason, clock.instant());
        return;
      }
      items.finish(
          job.held(), ItemState.FAILED, errorType, reason, null, BigDecimal.ZERO, clock.instant());
    } catch (RuntimeException e) {
      log.warn("could not fail {}; its lease will expire", job, e);
    } finally {
      finish(job);
    }
  }

  /**
   * The item leaves this worker: its breaker permission (if no outcome was reported), gate permit
   * (and its budget slot, if the call was never made) and in-flight slot are given back, each at
   * most once, and the next items start.
   */
  void finish(Job job) {
    if (!job.markDone()) {
      return;
    }
    String model = job.breakerModel;
    if (model != null) {
      job.breakerModel = null;
      breakers.notCalled(model);
    }
    call.noVerdict(job);
    if (job.gate != null && !job.wasCalled()) {
      job.gate.releaseUnused(); // a booked slot whose call was never made
    } else {
      release(job.gate);
    }
    inFlight.drop(job);
    if (job.slot != null) {
      job.slot.release();
    }
    pump();
  }

  private static void release(BudgetGate.Permit permit) {
    if (permit != null) {
      permit.release();
    }
  }

  private BudgetGate gate(String endpoint, String model) {
    return gates.computeIfAbsent(
        Budgets.key(endpoint, model),
        key -> {
          Integer limit = budgets.budgetOf(model).maxInFlight();
          BudgetGate gate =
              new BudgetGate(
                  endpoint,
                  model,
                  budgets,
                  timer,
                  io,
                  limit == null ? props.maxInFlight() : limit,
                  budgetProps.handBackAfter());
          meters.gauge(
              "pipeline.provider.in_flight", Tags.of("model", model), gate, BudgetGate::open);
          meters.gauge(
              "pipeline.budget.waiting", Tags.of("model", model), gate, BudgetGate::waiting);
          return gate;
        });
  }

  @Override
  public void start() {
    running = true;
  }

  /**
   * Hands back items not started yet (and those waiting for their budget), then waits (up to the
   * grace period) for calls in flight to settle; whatever is still running afterwards is reclaimed
   * when its lease expires.
   */
  @Override
  public void stop() {
    running = false;
    List<Job> unstarted = new ArrayList<>();
    for (Job job; (job = waiting.poll()) != null; ) {
      unstarted.add(job);
    }
    List<Job> waitingForBudget = new ArrayList<>();
    for (BudgetGate gate : gates.values()) {
      for (BudgetGate.Waiter w : gate.takeAll()) {
        Job job = inFlight.job(w.item().id());
        if (job != null) {
          waitingForBudget.add(job);
        }
      }
    }
    unstarted.addAll(waitingForBudget);
    try {
      int released =
          items.releaseUnstarted(
              unstarted.stream().map(Job::held).toList(), props.id(), clock.instant());
      if (released > 0) {
        log.info("handed back {} items not started", released);
      }
    } catch (RuntimeException e) {
      log.warn("could not hand back {} items; their leases will expire", unstarted.size(), e);
    }
    unstarted.forEach(this::finish);
    try {
      if (!inFlight.awaitIdle(props.shutdownGrace().toNanos())) {
        log.warn(
            "{} calls still in flight at shutdown; their leases will expire", inFlight.started());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Stops after the consumers (which stop first) and before lease renewal. */
  @Override
  public int getPhase() {
    return Phases.GENERATE;
  }
}
