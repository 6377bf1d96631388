package io.catalogimage.worker.run;

import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.pricing.TokenUsage;
import io.catalogimage.worker.WorkerProperties;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.ledger.AttemptResult;
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
import io.catalogimage.worker.routing.RoutingPolicy;
import io.micrometer.core.instrument.MeterRegistry;
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
 * Runs claimed items: asks the routing policy for a model, records the attempt, calls the provider
 * asynchronously, stores the result and settles the ledger. At most {@code maxInFlight} calls run
 * at once; the Kafka consumers are told to pause when that many items are held and to resume when a
 * quarter has drained (backpressure, not spinning). No thread waits for a provider.
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
      Clock clock,
      MeterRegistry meters) {
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
      Optional<ImageProvider> provider = providers.forModel(model);
      if (provider.isEmpty()) {
        log.error("no endpoint serves {}; item {} left to its lease", model, item.id());
        done(item);
        return;
      }
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
          done(item);
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
              provider.get(),
              model,
              variant.size(),
              PromptComposer.estimateTokens(prompt),
              references.size());
      Instant started = clock.instant();
      Optional<Integer> attempt =
          ledger.begin(item, props.id(), provider.get().endpoint(), model, reserved, started);
      if (attempt.isEmpty()) {
        if (ledger.cancelIfBatchCancelled(item.id(), props.id(), clock.instant())) {
          log.info("item {} cancelled with its batch before its call", item.id());
          done(item);
          return;
        }
        log.info("lease on {} lost before the call; leaving it", item.id());
        done(item);
        return;
      }
      Call call = new Call(item, model, provider.get(), attempt.get(), request, started);
      provider
          .get()
          .generate(request)
          .thenAcceptAsync(outcome -> complete(call, outcome), io)
          .exceptionally(
              failure -> {
                log.error("settling item {} failed; its lease will expire", item.id(), failure);
                done(item);
                return null;
              });
    } catch (RuntimeException e) {
      log.error("could not start item {}; its lease will expire", item.id(), e);
      done(item);
    }
  }

  private record Call(
      ClaimedItem item,
      String model,
      ImageProvider provider,
      int attempt,
      GenerationRequest request,
      Instant started) {}

  private void complete(Call call, ProviderOutcome outcome) {
    try {
      Instant finished = clock.instant();
      record(call, outcome);
      Decision decision = routing.decide(call.item(), call.model(), call.attempt(), outcome);
      BigDecimal cost = cost(call, outcome);
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
    } finally {
      done(call.item());
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

  private void record(Call call, ProviderOutcome outcome) {
    meters
        .counter("pipeline.provider.calls", "model", call.model(), "outcome", outcome.kind())
        .increment();
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
