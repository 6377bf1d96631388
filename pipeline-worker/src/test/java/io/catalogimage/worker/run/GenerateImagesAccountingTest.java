package io.catalogimage.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.budget.ModelBudget;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.worker.WorkerProperties;
import io.catalogimage.worker.budget.BudgetAnswer;
import io.catalogimage.worker.budget.Budgets;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.ledger.Ledger;
import io.catalogimage.worker.provider.CallInfo;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import io.catalogimage.worker.result.ResultWriter;
import io.catalogimage.worker.result.StoreResults;
import io.catalogimage.worker.routing.Decision;
import io.catalogimage.worker.routing.ModelBreakers;
import io.catalogimage.worker.routing.RoutingPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gate and the in-flight accounting under every failure a step can have, from many threads at
 * once: whatever happens to an item (a route that throws, a call that fails exceptionally, a store
 * that throws, a settle that throws, a decision that blows up), its slot and its gate permit come
 * back exactly once. The old runner released them twice when a settle threw, and the caps loosened
 * for good; here the counts must end at zero and never pass the limits on the way.
 */
class GenerateImagesAccountingTest {

  private static final String MODEL = "gemini-3.1-flash-image";
  private static final int MAX_IN_FLIGHT = 16;
  private static final int MODEL_LIMIT = 5;

  private final ExecutorService io = Executors.newFixedThreadPool(8);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger callsOpen = new AtomicInteger();
  private final AtomicInteger mostCallsOpen = new AtomicInteger();
  private final AtomicInteger routes = new AtomicInteger();

  @AfterEach
  void stop() {
    io.shutdownNow();
    timer.shutdownNow();
  }

  private static ClaimedItem item(int n) {
    return new ClaimedItem(
        new ItemId(UUID.randomUUID()),
        TenantId.DEFAULT,
        new BatchId(UUID.randomUUID()),
        "SKU-" + n,
        new VariantSpec("listing", "1:1", "1K"),
        "fast",
        List.of("en"),
        null,
        "a mug",
        0,
        null,
        null,
        "bulk",
        null,
        null,
        false,
        null,
        0,
        1,
        null,
        Map.of(),
        Map.of());
  }

  /** One of the ways a step fails, drawn per item. */
  private enum Fault {
    NONE,
    ROUTE_THROWS,
    RESERVE_ENDS,
    CALL_FAILS_EXCEPTIONALLY,
    DECISION_THROWS,
    STORE_THROWS,
    SETTLE_THROWS,
    SETTLE_FAILS_EXCEPTIONALLY
  }

  @Test
  void slots_and_gate_permits_come_back_exactly_once_whatever_fails() throws Exception {
    Map<String, Fault> faults = new java.util.concurrent.ConcurrentHashMap<>();
    ImageProvider provider = mock(ImageProvider.class);
    when(provider.endpoint()).thenReturn("sim");

    RouteStep route = mock(RouteStep.class);
    when(route.route(any()))
        .thenAnswer(
            inv -> {
              Job job = inv.getArgument(0);
              routes.incrementAndGet();
              if (faults.get(job.item.sku()) == Fault.ROUTE_THROWS) {
                throw new IllegalStateException("route blew up");
              }
              job.breakerModel = MODEL;
              return new RouteStep.Go(MODEL, provider, null);
            });

    ReserveStep reserve = mock(ReserveStep.class);
    when(reserve.reserve(any(), anyString(), any(), any()))
        .thenAnswer(
            inv ->
                faults.get(((Job) inv.getArgument(0)).item.sku()) == Fault.RESERVE_ENDS
                    ? new ReserveStep.Ended("cap reached")
                    : new ReserveStep.Ready(
                        new Call(
                            MODEL,
                            provider,
                            1,
                            new GenerationRequest(
                                MODEL,
                                "a mug",
                                "1:1",
                                "1K",
                                new Dimensions(1024, 1024),
                                List.of(),
                                List.of()),
                            Instant.now(),
                            BigDecimal.ONE,
                            null,
                            false)));

    CallStep call = mock(CallStep.class);
    when(call.call(any(), any()))
        .thenAnswer(
            inv -> {
              Job job = inv.getArgument(0);
              int open = callsOpen.incrementAndGet();
              mostCallsOpen.accumulateAndGet(open, Math::max);
              CompletableFuture<ProviderOutcome> answer = new CompletableFuture<>();
              timer.schedule(
                  () -> {
                    callsOpen.decrementAndGet();
                    job.breakerModel = null;
                    if (faults.get(job.item.sku()) == Fault.CALL_FAILS_EXCEPTIONALLY) {
                      answer.completeExceptionally(new IllegalStateException("client blew up"));
                    } else if (ThreadLocalRandom.current().nextBoolean()) {
                      answer.complete(
                          new ProviderOutcome.Generated(
                              new byte[] {1, 2, 3},
                              "image/png",
                              new Dimensions(1024, 1024),
                              null,
                              CallInfo.noAnswer(Duration.ofMillis(1)),
                              null));
                    } else {
                      answer.complete(
                          new ProviderOutcome.ServerError(
                              "503", CallInfo.noAnswer(Duration.ofMillis(1))));
                    }
                  },
                  ThreadLocalRandom.current().nextInt(1, 5),
                  TimeUnit.MILLISECONDS);
              return answer;
            });
    when(call.cost(any(), any())).thenReturn(BigDecimal.ZERO);

    RoutingPolicy routing = mock(RoutingPolicy.class);
    when(routing.decide(any(), anyString(), anyInt(), any()))
        .thenAnswer(
            inv -> {
              ClaimedItem item = inv.getArgument(0);
              if (faults.get(item.sku()) == Fault.DECISION_THROWS) {
                throw new IllegalStateException("decision blew up");
              }
              ProviderOutcome o = inv.getArgument(3);
              return o instanceof ProviderOutcome.Generated
                  ? new Decision.Accept(null)
                  : new Decision.RetryAt(Instant.now(), MODEL, "retry");
            });

    StoreResults store = mock(StoreResults.class);
    when(store.store(any(), any(), anyString(), any(), any()))
        .thenAnswer(
            inv -> {
              ResultWriter.Target target = inv.getArgument(0);
              if (faults.get(target.sku()) == Fault.STORE_THROWS) {
                throw new IllegalStateException("store blew up");
              }
              return CompletableFuture.completedFuture(
                  new StoreResults.Stored(new ResultWriter.Stored("i", "s")));
            });

    SettleStep settle = mock(SettleStep.class);
    when(settle.settle(any(), any(), any(), any(), any()))
        .thenAnswer(
            inv -> {
              Job job = inv.getArgument(0);
              Fault f = faults.get(job.item.sku());
              if (f == Fault.SETTLE_THROWS) {
                throw new IllegalStateException("settle blew up");
              }
              if (f == Fault.SETTLE_FAILS_EXCEPTIONALLY) {
                return CompletableFuture.failedFuture(new IllegalStateException("db gone"));
              }
              return CompletableFuture.completedFuture(Ledger.Settled.MOVED);
            });

    CaptionStep captions = mock(CaptionStep.class);
    when(captions.check(any(), any())).thenReturn(java.util.Map.of());
    when(captions.complete(any(), any(), any(), any(), any()))
        .thenAnswer(
            inv ->
                CompletableFuture.completedFuture(
                    new CaptionStep.Captioned(inv.getArgument(4), inv.getArgument(3), List.of())));

    Budgets budgets = mock(Budgets.class);
    when(budgets.acquire(anyString(), anyString())).thenReturn(BudgetAnswer.Go.NOW);
    when(budgets.exhausted(anyString(), anyString())).thenReturn(Optional.empty());
    when(budgets.budgetOf(anyString()))
        .thenReturn(new ModelBudget(null, null, null, null, MODEL_LIMIT, null));
    ModelBreakers breakers = mock(ModelBreakers.class);

    GenerateImages runner =
        new GenerateImages(
            new WorkerProperties("w", null, MAX_IN_FLIGHT, null, null, 8, Duration.ofSeconds(1)),
            route,
            reserve,
            call,
            store,
            settle,
            captions,
            mock(RecaptionStep.class),
            routing,
            breakers,
            budgets,
            mock(io.catalogimage.worker.ledger.Ledger.class),
            new BudgetProperties(null, null, null, null, null, null, null, null),
            mock(ItemRepository.class),
            new ResultSpool(ResultProperties.defaults()),
            io,
            timer,
            Clock.systemUTC(),
            new SimpleMeterRegistry());
    AtomicInteger pauses = new AtomicInteger();
    runner.onCapacityChange(hasRoom -> pauses.incrementAndGet());
    runner.start();

    int total = 600;
    Fault[] kinds = Fault.values();
    List<ClaimedItem> all = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      ClaimedItem item = item(i);
      faults.put(item.sku(), kinds[i % kinds.length]);
      all.add(item);
    }
    ExecutorService feeders = Executors.newFixedThreadPool(4);
    for (int i = 0; i < total; i += 10) {
      List<ClaimedItem> chunk = all.subList(i, i + 10);
      feeders.execute(
          () -> {
            // the consumers only feed while the runner has room, as JobConsumers does
            await().atMost(Duration.ofSeconds(30)).until(runner::hasRoom);
            runner.accept(chunk);
          });
    }
    feeders.shutdown();
    assertThat(feeders.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> runner.inFlight() == 0 && runner.heldItems().isEmpty());

    assertThat(routes.get()).as("every item was started once").isEqualTo(total);
    assertThat(mostCallsOpen.get())
        .as("calls open to the model never passed its max-in-flight")
        .isLessThanOrEqualTo(MODEL_LIMIT);
    assertThat(runner.inFlight()).isZero();
    BudgetGate gate = gateOf(runner);
    assertThat(gate.open()).as("gate permits all given back, none twice").isZero();
    assertThat(gate.waiting()).isZero();
    // and the gate still admits exactly its limit afterwards: no permit was lost or doubled
    assertThat(runner.hasRoom()).isTrue();
    // a breaker permission taken for a call that was never made is given back, once each
    long ended = faults.values().stream().filter(f -> f == Fault.RESERVE_ENDS).count();
    verify(breakers, times((int) ended)).notCalled(MODEL);
  }

  @SuppressWarnings("unchecked")
  private static BudgetGate gateOf(GenerateImages runner) throws Exception {
    var field = GenerateImages.class.getDeclaredField("gates");
    field.setAccessible(true);
    Map<String, BudgetGate> gates = (Map<String, BudgetGate>) field.get(runner);
    assertThat(gates).hasSize(1);
    return gates.values().iterator().next();
  }
}
