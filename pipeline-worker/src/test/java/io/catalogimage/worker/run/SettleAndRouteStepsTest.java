package io.catalogimage.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.ledger.AttemptResult;
import io.catalogimage.worker.ledger.ItemChange;
import io.catalogimage.worker.ledger.Ledger;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.Providers;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.routing.ModelBreakers;
import io.catalogimage.worker.routing.RoutingPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;

/** The settle step outlasts a database outage; the route step writes its detours down. */
class SettleAndRouteStepsTest {

  private static final String NB2 = "gemini-3.1-flash-image";
  private static final String PRO = "gemini-3-pro-image";
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  private static ClaimedItem item(String routeReason) {
    return new ClaimedItem(
        new ItemId(UUID.randomUUID()),
        TenantId.DEFAULT,
        new BatchId(UUID.randomUUID()),
        "SKU",
        new VariantSpec("listing", "1:1", "1K"),
        "fast",
        List.of(),
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
        3,
        routeReason,
        Map.of(),
        Map.of());
  }

  private SettleStep settle(Ledger ledger) {
    return new SettleStep(
        ledger,
        new ResultProperties(null, null, Duration.ofMillis(250), null),
        Runnable::run,
        timer,
        new SimpleMeterRegistry());
  }

  private static AttemptResult result() {
    return new AttemptResult(
        "SUCCEEDED",
        "accepted",
        null,
        200,
        null,
        10,
        null,
        null,
        null,
        BigDecimal.ONE,
        null,
        null,
        null,
        false);
  }

  private static Call call() {
    return new Call(
        NB2, mock(ImageProvider.class), 1, null, Instant.now(), BigDecimal.ONE, null, false);
  }

  @Test
  void a_settle_is_tried_again_while_the_database_is_away_and_lands_once_it_is_back()
      throws Exception {
    Ledger ledger = mock(Ledger.class);
    AtomicInteger tries = new AtomicInteger();
    when(ledger.settle(any(), anyInt(), any(), any(), any(), any()))
        .thenAnswer(
            inv -> {
              if (tries.incrementAndGet() < 4) {
                throw new DataAccessResourceFailureException("connection refused");
              }
              return Ledger.Settled.MOVED;
            });
    Job job = new Job(item(null), "w");

    Ledger.Settled settled =
        settle(ledger)
            .settle(
                job,
                call(),
                result(),
                new ItemChange.Finished(
                    io.catalogimage.common.item.ItemState.FAILED, "X", "x", null),
                Instant.now())
            .get(10, TimeUnit.SECONDS);

    assertThat(settled).isEqualTo(Ledger.Settled.MOVED);
    assertThat(tries.get()).isEqualTo(4);
  }

  @Test
  void a_lease_known_lost_ends_the_tries() throws Exception {
    Ledger ledger = mock(Ledger.class);
    when(ledger.settle(any(), anyInt(), any(), any(), any(), any()))
        .thenThrow(new DataAccessResourceFailureException("connection refused"));
    Job job = new Job(item(null), "w");
    var settled =
        settle(ledger)
            .settle(
                job,
                call(),
                result(),
                new ItemChange.Finished(
                    io.catalogimage.common.item.ItemState.FAILED, "X", "x", null),
                Instant.now());
    org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(300)).until(() -> true);
    assertThat(settled).isNotDone();

    job.leaseLost();

    assertThat(settled.get(10, TimeUnit.SECONDS)).isEqualTo(Ledger.Settled.LEASE_LOST);
  }

  @Test
  void an_open_circuit_sends_the_item_to_the_next_model_and_says_so() {
    RoutingPolicy routing = mock(RoutingPolicy.class);
    ModelBreakers breakers = mock(ModelBreakers.class);
    Providers providers = mock(Providers.class);
    ImageProvider sim = mock(ImageProvider.class);
    when(routing.modelFor(any())).thenReturn(NB2);
    when(routing.alternativesTo(any(), anyString())).thenReturn(List.of(PRO));
    when(breakers.tryCall(NB2)).thenReturn(false);
    when(breakers.tryCall(PRO)).thenReturn(true);
    when(breakers.describe(NB2))
        .thenReturn("circuit of " + NB2 + " is open: 5 of its last 5 calls failed");
    when(providers.forModel(anyString())).thenReturn(Optional.of(sim));
    RouteStep step = new RouteStep(routing, breakers, providers, Clock.systemUTC());
    Job job = new Job(item(null), "w");

    RouteStep.Go go = (RouteStep.Go) step.route(job);

    assertThat(go.model()).isEqualTo(PRO);
    assertThat(go.routed())
        .contains("circuit of " + NB2 + " is open")
        .contains(PRO + " is asked instead");
    assertThat(job.breakerModel).isEqualTo(PRO);
  }

  @Test
  void the_reason_routing_gave_for_the_model_goes_on_the_attempt() {
    RoutingPolicy routing = mock(RoutingPolicy.class);
    ModelBreakers breakers = mock(ModelBreakers.class);
    Providers providers = mock(Providers.class);
    when(routing.modelFor(any())).thenReturn(PRO);
    when(breakers.tryCall(PRO)).thenReturn(true);
    when(providers.forModel(anyString())).thenReturn(Optional.of(mock(ImageProvider.class)));
    RouteStep step = new RouteStep(routing, breakers, providers, Clock.systemUTC());

    RouteStep.Go go =
        (RouteStep.Go) step.route(new Job(item("TIMEOUT: no answer within 12s; so " + PRO), "w"));

    assertThat(go.routed()).contains("no answer within 12s");
  }

  @Test
  void with_every_circuit_open_the_item_waits_for_the_probe() {
    RoutingPolicy routing = mock(RoutingPolicy.class);
    ModelBreakers breakers = mock(ModelBreakers.class);
    when(routing.modelFor(any())).thenReturn(NB2);
    when(routing.alternativesTo(any(), anyString())).thenReturn(List.of(PRO));
    when(breakers.openFor()).thenReturn(Duration.ofSeconds(30));
    when(breakers.describe(NB2)).thenReturn("circuit of " + NB2 + " is open");
    RouteStep step = new RouteStep(routing, breakers, mock(Providers.class), Clock.systemUTC());
    Job job = new Job(item(null), "w");

    RouteStep.Route r = step.route(job);

    assertThat(r).isInstanceOf(RouteStep.Requeue.class);
    assertThat(((RouteStep.Requeue) r).reason()).contains("probing again");
    assertThat(job.breakerModel).isNull();
  }
}
