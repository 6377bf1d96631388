package io.catalogimage.worker.run;

import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.pricing.TokenUsage;
import io.catalogimage.worker.WorkerProperties;
import io.catalogimage.worker.budget.BudgetAnswer;
import io.catalogimage.worker.budget.Budgets;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.ledger.AttemptResult;
import io.catalogimage.worker.ledger.CapReservations;
import io.catalogimage.worker.ledger.ItemChange;
import io.catalogimage.worker.ledger.Ledger;
import io.catalogimage.worker.provider.CallInfo;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.Providers;
import io.catalogimage.worker.reference.ReferenceImages;
import io.catalogimage.worker.result.AltText;
import io.catalogimage.worker.result.ResultWriter;
import io.catalogimage.worker.result.Sidecar;
import io.catalogimage.worker.routing.Decision;
import io.catalogimage.worker.routing.ModelBreakers;
import io.catalogimage.worker.routing.RoutingPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs claimed items: asks the routing policy for a model (detouring around an open circuit), waits
 * in that model's {@link BudgetGate} for a slot of the shared budget, reserves the estimated cost
 * against the batch's cap, records the attempt, calls the provider asynchronously, stores the
 * result, settles the ledger and tells the budget and the breaker what the provider said. At most
 * {@code maxInFlight} items are held at once; the Kafka consumers are told to pause when that many
 * are held and to resume when a quarter has drained (backpressure, not spinning). No thread waits
 * for a provider or a budget.
 */
@Component
public class GenerateImages implements SmartLifecycle {

  /** Told when this worker can take more items or should stop taking them. */
  public interface CapacityListener {
    void capacityChanged(boolean hasRoom);
  }

  private static final Logger log = LoggerFactory.getLogger(GenerateImages.class);

  private final WorkerProperties props;
  private final RoutingPolicy routing;
  private final Providers providers;
  private final ModelCatalog catalog;
  private final Ledger ledger;
  private final ResultWriter results;
  private final ReferenceImages referenceImages;
  private final ExecutorService io;
  private final Clock clock;
  private final MeterRegistry meters;

  private final Budgets budgets;
  private final CapReservations caps;
  private final BudgetProperties budgetProps;
  private final ModelBreakers breakers;
  private final Map<String, BudgetGate> gates = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "budget-timer");
            t.setDaemon(true);
            return t;
          });
  private final Map<ItemId, ClaimedItem> holding = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<ClaimedItem> waiting = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicBoolean paused = new AtomicBoolean();
  private final ReentrantLock idleLock = new ReentrantLock();
  private final Condition idle = idleLock.newCondition();
  private volatile CapacityListener listener = hasRoom -> {};
  private volatile boolean running;

  public GenerateImages(
      WorkerProperties props,
      RoutingPolicy routing,
      Providers providers,
      ModelCatalog catalog,
      Ledger ledger,
      ResultWriter results,
      ReferenceImages referenceImages,
      @Qualifier("workerIo") ExecutorService io,
      Budgets budgets,
      BudgetProperties budgetProps,
      CapReservations caps,
      ModelBreakers breakers,
      Clock clock,
      MeterRegistry meters) {
    this.budgets = budgets;
    this.caps = caps;
    this.budgetProps = budgetProps;
    this.breakers = breakers;
    this.props = props;
    this.routing = routing;
    this.providers = providers;
    this.catalog = catalog;
    this.ledger = ledger;
    this.results = results;
    this.referenceImages = referenceImages;
    this.io = io;
    this.clock = clock;
    this.meters = meters;
    meters.gauge("pipeline.worker.in_flight", inFlight);
    meters.gaugeMapSize("pipeline.worker.held", List.of(), holding);
  }

  public void onCapacityChange(CapacityListener listener) {
    this.listener = listener;
  }

  /** Takes claimed items; they start as capacity allows. */
  public void accept(List<ClaimedItem> items) {
    for (ClaimedItem item : items) {
      holding.put(item.id(), item);
      waiting.add(item);
    }
    if (holding.size() >= props.maxInFlight() && paused.compareAndSet(false, true)) {
      listener.capacityChanged(false);
    }
    pump();
  }

  public boolean hasRoom() {
    return holding.size() < props.maxInFlight();
  }

  /** Items this worker holds a lease on and still works on (for lease renewal). */
  public List<ItemId> heldItems() {
    return new ArrayList<>(holding.keySet());
  }

  public int inFlight() {
    return inFlight.get();
  }

  private void pump() {
    while (running) {
      int current = inFlight.get();
      if (current >= props.maxInFlight()) {
        return;
      }
      if (!inFlight.compareAndSet(current, current + 1)) {
        continue;
      }
      ClaimedItem item = waiting.poll();
      if (item == null) {
        inFlight.decrementAndGet();
        // an item may have arrived between poll and decrement, while this thread held the slot
        if (waiting.isEmpty()) {
          return;
        }
        continue;
      }
      io.execute(() -> start(item));
    }
  }

  private void start(ClaimedItem item) {
    try {
      String model = routing.modelFor(item);
      if (!breakers.tryCall(model)) {
        String open = model;
        model =
            routing.alternativesTo(item, model).stream()
                .filter(breakers::tryCall)
                .findFirst()
                .orElse(null);
        if (model == null) {
          Instant retry = clock.instant().plus(breakers.openFor());
          ledger.requeueWithoutCall(
              item.id(),
              props.id(),
              retry,
              open,
              "circuit of " + open + " is open after repeated failures; probing again at " + retry,
              clock.instant());
          done(item);
          return;
        }
        log.info("circuit of {} open: item {} goes to {}", open, item.id(), model);
      }
      Optional<ImageProvider> provider = providers.forModel(model);
      if (provider.isEmpty()) {
        log.error("no endpoint serves {}; item {} left to its lease", model, item.id());
        breakers.notCalled(model);
        done(item);
        return;
      }
      String chosen = model;
      BudgetGate gate = gate(provider.get().endpoint(), model);
      gate.enqueue(
          new BudgetGate.Waiter() {
            @Override
            public ClaimedItem item() {
              return item;
            }

            @Override
            public void go() {
              Optional<BudgetAnswer.Wait> exhausted =
                  budgets.exhausted(provider.get().endpoint(), chosen);
              if (exhausted.isPresent()) {
                // booked before the quota ran out: park or reroute instead of a certain 429
                gate.released();
                handBackForBudget(item, chosen, exhausted.get());
                return;
              }
              call(item, chosen, provider.get(), gate);
            }

            @Override
            public void handBack(BudgetAnswer.Wait wait) {
              handBackForBudget(item, chosen, wait);
            }
          });
    } catch (RuntimeException e) {
      log.error("could not start item {}; its lease will expire", item.id(), e);
      done(item);
    }
  }

  private void handBackForBudget(ClaimedItem item, String model, BudgetAnswer.Wait wait) {
    try {
      breakers.notCalled(model);
      Decision.RetryAt retry =
          (Decision.RetryAt)
              routing.budgetWait(item, model, wait.after(), wait.dailyQuota(), wait.reason());
      ledger.requeueWithoutCall(
          item.id(), props.id(), retry.at(), retry.model(), retry.reason(), clock.instant());
    } catch (RuntimeException e) {
      log.warn("could not hand back item {}; its lease will expire", item.id(), e);
    } finally {
      done(item);
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

  /** The budget slot is due: fetch the reference photo, reserve the money, record and call. */
  private void call(ClaimedItem item, String model, ImageProvider provider, BudgetGate gate) {
    boolean called = false;
    try {
      VariantSpec variant = item.variant();
      ImageModel imageModel = catalog.require(model);
      Dimensions expected =
          imageModel.dimensions(variant.size(), variant.aspectRatio()).orElse(null);
      String prompt = PromptComposer.compose(item);
      List<GenerationRequest.ReferenceImage> references = List.of();
      if (item.referenceImage() != null) {
        ReferenceImages.Fetched fetched =
            referenceImages.fetch(item.tenant(), item.referenceImage());
        if (fetched instanceof ReferenceImages.Refused refused) {
          log.info("item {} failed before any call: {}", item.id(), refused.reason());
          ledger.failWithoutCall(
              item.id(), props.id(), "REFERENCE_IMAGE", refused.reason(), clock.instant());
          return;
        }
        references = List.of(((ReferenceImages.Image) fetched).image());
      }
      GenerationRequest request =
          new GenerationRequest(
              model,
              prompt,
              variant.aspectRatio(),
              variant.size(),
              expected,
              item.altTextLocales(),
              references);
      BigDecimal reserved =
          providers.estimate(
              provider,
              model,
              variant.size(),
              PromptComposer.estimateTokens(prompt),
              references.size());
      CapReservations.Answer money = caps.reserve(item, reserved, clock.instant());
      if (money instanceof CapReservations.Refused refused) {
        ledger.finishWithoutCall(
            item.id(),
            props.id(),
            ItemState.CAP_REACHED,
            "COST_CAP",
            refused.reason(),
            clock.instant());
        return;
      }
      CapReservations.Reservation reservation = ((CapReservations.Reserved) money).reservation();
      Instant started = clock.instant();
      Optional<Integer> attempt =
          ledger.begin(item, props.id(), provider.endpoint(), model, reserved, started);
      if (attempt.isEmpty()) {
        caps.release(reservation);
        if (ledger.cancelIfBatchCancelled(item.id(), props.id(), clock.instant())) {
          log.info("item {} cancelled with its batch before its call", item.id());
          return;
        }
        log.info("lease on {} lost before the call; leaving it", item.id());
        return;
      }
      Call call =
          new Call(item, model, provider, attempt.get(), request, started, reservation, gate);
      called = true;
      provider
          .generate(request)
          .whenComplete(
              (outcome, f) -> budgets.answered(call.provider().endpoint(), model, outcome))
          .thenAcceptAsync(outcome -> complete(call, outcome), io)
          .exceptionally(
              failure -> {
                log.error("settling item {} failed; its lease will expire", item.id(), failure);
                gate.released();
                done(item);
                return null;
              });
    } catch (RuntimeException e) {
      log.error("could not start item {}; its lease will expire", item.id(), e);
    } finally {
      if (!called) {
        breakers.notCalled(model);
        gate.released();
        done(item);
      }
    }
  }

  private record Call(
      ClaimedItem item,
      String model,
      ImageProvider provider,
      int attempt,
      GenerationRequest request,
      Instant started,
      CapReservations.Reservation reservation,
      BudgetGate gate) {}

  private void complete(Call call, ProviderOutcome outcome) {
    try {
      Instant finished = clock.instant();
      BigDecimal cost = cost(call, outcome);
      record(call, outcome, cost);
      learn(call, outcome);
      Decision decision = routing.decide(call.item(), call.model(), call.attempt(), outcome);
      ItemChange change;
      String decided = decision.describe();
      if (outcome instanceof ProviderOutcome.Generated g && decision instanceof Decision.Accept a) {
        change = store(call, g, cost, finished, a);
        if (change instanceof ItemChange.Requeued) {
          decided = "retry: the image could not be stored";
        }
      } else {
        change = change(decision, outcome);
      }
      ledger.settle(
          call.item().id(),
          call.attempt(),
          props.id(),
          attemptResult(call, outcome, decided, cost),
          change,
          finished);
      caps.settle(call.reservation(), cost);
    } finally {
      call.gate().released();
      done(call.item());
    }
  }

  /** Tells the shared budget and the model's circuit breaker what the provider answered. */
  private void learn(Call call, ProviderOutcome outcome) {
    String endpoint = call.provider().endpoint();
    String model = call.model();
    Duration latency = outcome.info().latency();
    try {
      if (outcome instanceof ProviderOutcome.Generated) {
        budgets.succeeded(endpoint, model);
        breakers.succeeded(model, latency);
      } else if (outcome instanceof ProviderOutcome.RateLimited) {
        breakers.neutral(model); // the budget heard it as soon as it came (budgets.answered)
      } else if (outcome instanceof ProviderOutcome.QuotaExhausted q) {
        if (!q.limitZero()) {
          budgets.dailyQuotaExhausted(endpoint, model);
        }
        breakers.neutral(model);
      } else if (outcome instanceof ProviderOutcome.ServerError
          || outcome instanceof ProviderOutcome.TimedOut) {
        breakers.failed(model, latency, outcome.kind());
      } else {
        breakers.neutral(model);
      }
    } catch (RuntimeException e) {
      log.warn("could not record {} of {} in its budget: {}", outcome.kind(), model, e.toString());
    }
  }

  private ItemChange store(
      Call call,
      ProviderOutcome.Generated g,
      BigDecimal cost,
      Instant finished,
      Decision.Accept accept) {
    ClaimedItem item = call.item();
    AltText alt = AltText.parse(g.text(), item.altTextLocales());
    List<String> warnings = new ArrayList<>(alt.warnings());
    if (g.downgrade() != null) {
      warnings.add("downgrade: " + g.downgrade());
    }
    CallInfo info = g.info();
    Sidecar sidecar =
        new Sidecar(
            Sidecar.SCHEMA_VERSION,
            item.id().toString(),
            item.batch().toString(),
            item.sku(),
            item.variant().name(),
            item.variant().aspectRatio(),
            item.variant().size(),
            alt.byLocale(),
            alt.caption(),
            call.request().prompt(),
            sha256(call.request().prompt().getBytes(StandardCharsets.UTF_8)),
            new Sidecar.Requested(
                call.model(),
                call.provider().endpoint(),
                call.request().expected() == null ? null : call.request().expected().toString()),
            new Sidecar.Served(
                info.modelVersion(), g.actual().toString(), info.responseId(), g.downgrade()),
            cost,
            call.attempt(),
            new Sidecar.Timings(call.started(), finished, info.latency().toMillis()),
            info.usage() == null
                ? null
                : new Sidecar.Tokens(
                    info.usage().inputTokens(),
                    info.usage().outputTextTokens() + info.usage().outputImageTokens(),
                    info.usage().thinkingTokens()),
            sha256(g.png()),
            warnings);
    try {
      ResultWriter.Stored stored = results.write(item, g.png(), g.mimeType(), sidecar);
      String served = info.modelVersion() == null ? call.model() : info.modelVersion();
      return new ItemChange.Succeeded(
          served,
          stored.imageKey(),
          stored.sidecarKey(),
          alt.byLocale(),
          alt.caption(),
          accept.note());
    } catch (RuntimeException e) {
      log.warn("storing item {} failed: {}", item.id(), e.toString());
      Duration wait = Duration.ofSeconds(10);
      return new ItemChange.Requeued(
          finished.plus(wait),
          call.model(),
          "STORAGE",
          e.toString(),
          "object storage failed after the image was made; it will be made again");
    }
  }

  private static ItemChange change(Decision decision, ProviderOutcome outcome) {
    if (decision instanceof Decision.RetryAt r) {
      return new ItemChange.Requeued(r.at(), r.model(), outcome.kind(), r.reason(), r.describe());
    }
    if (decision instanceof Decision.GiveUp g) {
      return new ItemChange.Finished(g.state(), g.errorType(), g.reason(), null);
    }
    throw new IllegalStateException("a " + decision + " needs an image");
  }

  /**
   * What the call cost: the provider's reported usage at the endpoint's prices, or the documented
   * usage when it reported none. Blocks and empty answers are not charged by the providers.
   */
  private BigDecimal cost(Call call, ProviderOutcome outcome) {
    if (!(outcome instanceof ProviderOutcome.Generated g)) {
      return BigDecimal.ZERO;
    }
    TokenUsage usage = g.info().usage();
    if (usage == null) {
      ImageModel m = catalog.require(call.model());
      usage =
          new TokenUsage(
              PromptComposer.estimateTokens(call.request().prompt()),
              0,
              0,
              m.outputTokens(call.request().size()),
              0);
    }
    return providers.price(call.provider(), call.model(), call.request().size()).cost(usage);
  }

  private static AttemptResult attemptResult(
      Call call, ProviderOutcome o, String decision, BigDecimal cost) {
    CallInfo info = o.info();
    TokenUsage u = info.usage();
    Integer width = null;
    Integer height = null;
    String error = null;
    if (o instanceof ProviderOutcome.Generated g) {
      width = g.actual().width();
      height = g.actual().height();
      error = g.downgrade();
    } else {
      error = errorMessage(o);
    }
    return new AttemptResult(
        o.kind(),
        decision,
        info.modelVersion(),
        info.httpStatus(),
        error,
        info.latency().toMillis(),
        u == null ? null : u.inputTokens(),
        u == null ? null : u.outputTextTokens() + u.outputImageTokens(),
        u == null ? null : u.thinkingTokens(),
        cost,
        width,
        height,
        info.responseId());
  }

  private static String errorMessage(ProviderOutcome o) {
    if (o instanceof ProviderOutcome.Blocked b) {
      return b.reason() + ": " + b.message();
    }
    if (o instanceof ProviderOutcome.NoImage n) {
      return n.reason() + ": " + n.message();
    }
    if (o instanceof ProviderOutcome.RateLimited r) {
      return r.message();
    }
    if (o instanceof ProviderOutcome.QuotaExhausted q) {
      return q.message();
    }
    if (o instanceof ProviderOutcome.ServerError s) {
      return s.message();
    }
    if (o instanceof ProviderOutcome.TimedOut t) {
      return t.message();
    }
    if (o instanceof ProviderOutcome.Rejected r) {
      return r.message();
    }
    return null;
  }

  private void record(Call call, ProviderOutcome outcome, BigDecimal cost) {
    meters
        .counter("pipeline.provider.calls", "model", call.model(), "outcome", outcome.kind())
        .increment();
    meters
        .counter("pipeline.provider.cost_usd", "model", call.model())
        .increment(cost.doubleValue());
    Timer.builder("pipeline.provider.latency")
        .tag("model", call.model())
        .publishPercentiles(0.5, 0.95, 0.99)
        .register(meters)
        .record(outcome.info().latency());
  }

  private void done(ClaimedItem item) {
    holding.remove(item.id());
    inFlight.decrementAndGet();
    if (holding.size() <= props.maxInFlight() * 3 / 4 && paused.compareAndSet(true, false)) {
      listener.capacityChanged(true);
    }
    idleLock.lock();
    try {
      idle.signalAll();
    } finally {
      idleLock.unlock();
    }
    pump();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void start() {
    running = true;
  }

  /**
   * Hands back items not started yet, then waits (up to the grace period) for calls in flight to
   * settle; whatever is still running afterwards is reclaimed when its lease expires.
   */
  @Override
  public void stop() {
    running = false;
    List<ClaimedItem> unstarted = new ArrayList<>();
    for (ClaimedItem item; (item = waiting.poll()) != null; ) {
      unstarted.add(item);
      holding.remove(item.id());
    }
    List<ClaimedItem> waitingForBudget = new ArrayList<>();
    gates.values().forEach(g -> g.takeAll().forEach(w -> waitingForBudget.add(w.item())));
    unstarted.addAll(waitingForBudget);
    try {
      int released =
          ledger.releaseUnstarted(
              unstarted.stream().map(ClaimedItem::id).toList(), props.id(), clock.instant());
      if (released > 0) {
        log.info("handed back {} items not started", released);
      }
    } catch (RuntimeException e) {
      log.warn("could not hand back {} items; their leases will expire", unstarted.size(), e);
    }
    // they held a start slot while they waited for their budget
    waitingForBudget.forEach(this::done);
    long deadline = System.nanoTime() + props.shutdownGrace().toNanos();
    idleLock.lock();
    try {
      while (inFlight.get() > 0 && System.nanoTime() < deadline) {
        idle.await(100, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      idleLock.unlock();
    }
    if (inFlight.get() > 0) {
      log.warn("{} calls still in flight at shutdown; their leases will expire", inFlight.get());
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
