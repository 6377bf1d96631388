package io.catalogimage.worker.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.zaxxer.hikari.HikariDataSource;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.db.CapChangeLocks;
import io.catalogimage.common.db.CommittedSpend;
import io.catalogimage.common.db.LockConflicts;
import io.catalogimage.common.edit.Conversations;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.pricing.SpendMonth;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.claim.PendingEdit;
import io.catalogimage.worker.testing.TestDatabase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The caps' books against the races they meet, on real PostgreSQL. The money reserved for a call
 * comes back when the call is not recorded: a capped batch's committed spend never keeps an
 * estimate for a call that was never made, which would stop the batch at its cap early (the begin's
 * session gives up on a lock after 200 ms, as a deadlock victim is rolled back). And an item
 * refused room just before its cap is raised does not stay CAP_REACHED after the raise, nor does an
 * edit.
 */
class CapReservationsTest {

  private static final String WORKER = "w1";
  private static final BigDecimal ESTIMATE = new BigDecimal("0.067000");

  private final HikariDataSource pool = TestDatabase.freshDataSource();
  private final JdbcClient db = JdbcClient.create(pool);
  private final HikariDataSource impatient = impatientPool(pool);
  private final JdbcClient beginsDb = JdbcClient.create(impatient);
  private final CapReservations caps =
      new CapReservations(
          new Ledger(beginsDb, new ItemRepository(beginsDb), new Conversations(beginsDb)));
  private final BatchId batch = new BatchId(UUID.randomUUID());
  private final ItemId item = new ItemId(UUID.randomUUID());

  @AfterEach
  void close() {
    impatient.close();
    pool.close();
  }

  @Test
  void aBeginThatLosesEveryLockConflictGivesItsReservationBack() throws Exception {
    insertCappedBatchWithRunningItem();
    CapReservations.Reservation r = reserve();
    assertThat(committed()).isEqualByComparingTo(ESTIMATE);

    try (Connection renewal = pool.getConnection()) {
      // a lease renewal that does not let go of the item
      renewal.setAutoCommit(false);
      renewal
          .createStatement()
          .executeUpdate(
              "UPDATE items SET lease_until = now() + interval '1 minute' WHERE item_id = '"
                  + item.value()
                  + "'");
      assertThatThrownBy(() -> begin(r)).matches(LockConflicts::lost, "a lost lock conflict");
      renewal.rollback();
    }

    assertThat(committed()).as("the reservation came back").isEqualByComparingTo("0");
    assertThat(attempts()).isZero();
  }

  @Test
  void aBeginForAnItemNoLongerHeldGivesItsReservationBack() {
    insertCappedBatchWithRunningItem();
    CapReservations.Reservation r = reserve();
    db.sql("UPDATE items SET lease_owner = 'another worker' WHERE item_id = :i")
        .param("i", item.value())
        .update();

    assertThat(begin(r)).isEmpty();
    assertThat(committed()).isEqualByComparingTo("0");
    // and nothing is left for a cap change's recount to find
    assertThat(holds()).isZero();
    recountBatch();
    assertThat(committed()).isEqualByComparingTo("0");
  }

  @Test
  void aCapChangeBetweenABookingAndItsLedgerRowCountsTheBooking() {
    insertCappedBatchWithRunningItem();
    CapReservations.Reservation r = reserve();
    // the api's recount runs after the booking, before the call's ledger row
    recountBatch();
    assertThat(committed()).isEqualByComparingTo(ESTIMATE);

    assertThat(begin(r)).contains(1);
    recountBatch();
    assertThat(committed()).isEqualByComparingTo(ESTIMATE);
    assertThat(holds()).isZero();
  }

  @Test
  void aTenantCapChangeBetweenABookingAndItsLedgerRowCountsTheBooking() {
    insertCappedBatchWithRunningItem();
    Instant now = Instant.now();
    CapReservations.Answer a = caps.reserve(claimed(new BigDecimal("10.00")), ESTIMATE, now);
    CapReservations.Reservation r = ((CapReservations.Reserved) a).reservation();
    recountTenantMonth(now);
    assertThat(tenantCommitted(now)).isEqualByComparingTo(ESTIMATE);
    recountBatch();
    assertThat(committed()).isEqualByComparingTo(ESTIMATE);

    assertThat(begin(r)).contains(1);
    recountTenantMonth(now);
    assertThat(tenantCommitted(now)).isEqualByComparingTo(ESTIMATE);
    assertThat(holds()).isZero();
  }

  @Test
  void aBookingLeftByAWorkerThatDiedIsLetGoByTheNextRecount() {
    insertCappedBatchWithRunningItem();
    reserve(); // and the worker dies before its ledger row
    recountBatch();
    assertThat(committed()).isEqualByComparingTo(ESTIMATE); // it may still be on its way
    db.sql("UPDATE cap_holds SET held_at = now() - interval '11 minutes' WHERE item_id = :i")
        .param("i", item.value())
        .update();

    recountBatch();
    assertThat(committed()).isEqualByComparingTo("0");
  }

  @Test
  void aRecordedCallKeepsItsReservation() {
    insertCappedBatchWithRunningItem();
    CapReservations.Reservation r = reserve();

    assertThat(begin(r)).contains(1);
    assertThat(committed()).isEqualByComparingTo(ESTIMATE);
    assertThat(attempts()).isEqualTo(1);
  }

  @Test
  void anItemRefusedJustBeforeItsCapIsRaisedIsQueuedAgain() throws Exception {
    insertCappedBatchWithRunningItem();
    setCap("0.05"); // no room for the estimate
    CapReservations.Answer refused = caps.reserve(claimed(), ESTIMATE, Instant.now());
    assertThat(refused).isInstanceOf(CapReservations.Refused.class);

    CompletableFuture<Boolean> stopped;
    // the api's cap raise: its CAP_REACHED items resumed (ours is still RUNNING)
    try (Connection raise =
        raiseUncommitted(
            "UPDATE items SET state = 'QUEUED', version = version + 1"
                + " WHERE state = 'CAP_REACHED'")) {

      stopped =
          CompletableFuture.supplyAsync(
              () ->
                  caps.stopAtCap(
                      new ItemRepository.Held(item, WORKER, 0),
                      claimed(),
                      (CapReservations.Refused) refused,
                      ESTIMATE,
                      Instant.now()));
      // the item is CAP_REACHED now, and its second look waits for the raise to commit
      await()
          .atMost(Duration.ofMinutes(1))
          .until(() -> stopped.isDone() || "CAP_REACHED".equals(state()));
      raise.commit();
    }

    assertThat(stopped.get()).as("queued again, not left CAP_REACHED").isFalse();
    assertThat(state()).isEqualTo("QUEUED");
  }

  @Test
  void anItemRefusedRoomStaysCapReachedWhileTheCapHasNoRoom() {
    insertCappedBatchWithRunningItem();
    setCap("0.05");
    CapReservations.Answer refused = caps.reserve(claimed(), ESTIMATE, Instant.now());

    boolean stays =
        caps.stopAtCap(
            new ItemRepository.Held(item, WORKER, 0),
            claimed(),
            (CapReservations.Refused) refused,
            ESTIMATE,
            Instant.now());

    assertThat(stays).isTrue();
    assertThat(state()).isEqualTo("CAP_REACHED");
  }

  @Test
  void aSecondLookGivesUpOnACapChangeThatHangsAndAnswersNoRoom() throws Exception {
    insertCappedBatchWithRunningItem(); // a cap of $1.00: room for the estimate
    Ledger ledger = new Ledger(db, new ItemRepository(db), new Conversations(db));
    String month = SpendMonth.of(Instant.now()).toString();
    try (Connection hung = pool.getConnection()) {
      // a cap change that took its lock and never ends (an api frozen mid-transaction)
      hung.setAutoCommit(false);
      hung.createStatement()
          .execute(CapChangeLocks.LOCK_BATCH.replace(":batch", "'" + batch.value() + "'"));

      boolean room =
          assertTimeoutPreemptively(
              Duration.ofSeconds(30),
              () ->
                  ledger.capsHaveRoom(
                      batch, TenantId.DEFAULT, month, ESTIMATE, Duration.ofMillis(300)));

      assertThat(room).as("not known: the item stays where the next raise finds it").isFalse();
      hung.rollback();
    }
    assertThat(
            ledger.capsHaveRoom(batch, TenantId.DEFAULT, month, ESTIMATE, Duration.ofMillis(300)))
        .as("with the change gone, the caps are read")
        .isTrue();
  }

  @Test
  void anEditRefusedJustBeforeItsCapIsRaisedRunsAgain() throws Exception {
    UUID edit = insertCappedBatchWithRunningEdit();
    setCap("0.05");
    ClaimedItem claimed = claimedEdit(edit);
    CapReservations.Answer refused = caps.reserve(claimed, ESTIMATE, Instant.now());
    assertThat(refused).isInstanceOf(CapReservations.Refused.class);

    CompletableFuture<Boolean> stopped;
    // the api's cap raise: its CAP_REACHED edits run again (ours is still PENDING)
    try (Connection raise =
        raiseUncommitted("UPDATE item_edits SET state = 'PENDING' WHERE state = 'CAP_REACHED'")) {

      stopped =
          CompletableFuture.supplyAsync(
              () ->
                  caps.stopEditAtCap(
                      new ItemRepository.Held(item, WORKER, 0),
                      claimed,
                      (CapReservations.Refused) refused,
                      ESTIMATE,
                      Instant.now()));
      // the edit is CAP_REACHED now, and its second look waits for the raise to commit
      await()
          .atMost(Duration.ofMinutes(1))
          .until(() -> stopped.isDone() || "CAP_REACHED".equals(editState(edit)));
      raise.commit();
    }

    assertThat(stopped.get()).as("run again, not left CAP_REACHED").isFalse();
    assertThat(editState(edit)).isEqualTo("PENDING");
    assertThat(state()).isEqualTo("QUEUED");
    assertThat(
            db.sql("SELECT edit_id FROM items WHERE item_id = :i")
                .param("i", item.value())
                .query(UUID.class)
                .single())
        .isEqualTo(edit);
  }

  @Test
  void anEditRefusedRoomStaysCapReachedWithItsImageWhileTheCapHasNoRoom() {
    UUID edit = insertCappedBatchWithRunningEdit();
    setCap("0.05");
    ClaimedItem claimed = claimedEdit(edit);
    CapReservations.Answer refused = caps.reserve(claimed, ESTIMATE, Instant.now());

    boolean stays =
        caps.stopEditAtCap(
            new ItemRepository.Held(item, WORKER, 0),
            claimed,
            (CapReservations.Refused) refused,
            ESTIMATE,
            Instant.now());

    assertThat(stays).isTrue();
    assertThat(editState(edit)).isEqualTo("CAP_REACHED");
    assertThat(state()).as("the item keeps its image").isEqualTo("SUCCEEDED");
  }

  private String editState(UUID edit) {
    return db.sql("SELECT state FROM item_edits WHERE edit_id = :e")
        .param("e", edit)
        .query(String.class)
        .single();
  }

  /** As {@link #insertCappedBatchWithRunningItem}, the item running an edit of its attempt 1. */
  private UUID insertCappedBatchWithRunningEdit() {
    insertCappedBatchWithRunningItem();
    UUID edit = UUID.randomUUID();
    db.sql(
            """
            INSERT INTO item_edits (edit_id, item_id, tenant_id, batch_id, turn, instruction,
                                    model, base_attempt, state, created_at)
            VALUES (:e, :i, :t, :b, 1, 'make it green', 'gemini-3.1-flash-image', 1, 'PENDING',
                    now())
            """)
        .param("e", edit)
        .param("i", item.value())
        .param("t", TenantId.DEFAULT.value())
        .param("b", batch.value())
        .update();
    db.sql("UPDATE items SET edit_id = :e, turn_attempt = 1 WHERE item_id = :i")
        .param("e", edit)
        .param("i", item.value())
        .update();
    return edit;
  }

  private ClaimedItem claimedEdit(UUID edit) {
    ClaimedItem c = claimed();
    return new ClaimedItem(
        c.id(),
        c.tenant(),
        c.batch(),
        c.sku(),
        c.variant(),
        c.tier(),
        c.altTextLocales(),
        c.styleGuide(),
        c.prompt(),
        c.attempts(),
        "gemini-3.1-flash-image",
        c.referenceImage(),
        c.lane(),
        c.deadline(),
        c.costCapUsd(),
        c.allowSafetyReroute(),
        c.tenantMonthlyCapUsd(),
        c.attemptsBeforeRun(),
        c.version(),
        c.routeReason(),
        c.failuresByModel(),
        c.rateLimitsByModel(),
        c.title(),
        c.category(),
        c.merchantAltText(),
        new PendingEdit(edit, 1, "make it green", "gemini-3.1-flash-image", 1),
        c.settings(),
        null);
  }

  /**
   * The api's cap raise, not committed yet: the batch's cap-change lock, the new cap, and {@code
   * resume} (narrowed to the batch) finding nothing to resume yet.
   */
  private Connection raiseUncommitted(String resume) throws java.sql.SQLException {
    Connection raise = pool.getConnection();
    raise.setAutoCommit(false);
    raise
        .createStatement()
        .execute(CapChangeLocks.LOCK_BATCH.replace(":batch", "'" + batch.value() + "'"));
    raise
        .createStatement()
        .executeUpdate(
            "UPDATE batches SET cost_cap_usd = 100 WHERE batch_id = '" + batch.value() + "'");
    int resumed =
        raise.createStatement().executeUpdate(resume + " AND batch_id = '" + batch.value() + "'");
    assertThat(resumed).isZero();
    return raise;
  }

  private void setCap(String usd) {
    db.sql("UPDATE batches SET cost_cap_usd = :c WHERE batch_id = :b")
        .param("c", new BigDecimal(usd))
        .param("b", batch.value())
        .update();
  }

  private String state() {
    return db.sql("SELECT state FROM items WHERE item_id = :i")
        .param("i", item.value())
        .query(String.class)
        .single();
  }

  private Optional<Integer> begin(CapReservations.Reservation r) {
    return caps.begin(
        new ItemRepository.Held(item, WORKER, 0),
        "gemini",
        "gemini-3.1-flash-image",
        r,
        null,
        Ledger.PURPOSE_IMAGE,
        Instant.now());
  }

  private CapReservations.Reservation reserve() {
    CapReservations.Answer a = caps.reserve(claimed(), ESTIMATE, Instant.now());
    assertThat(a).isInstanceOf(CapReservations.Reserved.class);
    return ((CapReservations.Reserved) a).reservation();
  }

  /** What the api's change of the batch's cap sets its committed money to (CostCaps). */
  private void recountBatch() {
    db.sql(
            "UPDATE batches b SET committed_usd = "
                + CommittedSpend.OF_BATCH
                + " WHERE batch_id = :b")
        .param("b", batch.value())
        .update();
  }

  /** The same for the tenant's month (TenantCaps). */
  private void recountTenantMonth(Instant now) {
    YearMonth month = SpendMonth.of(now);
    db.sql(
            "UPDATE tenant_spend SET committed_usd = (SELECT "
                + CommittedSpend.OF_TENANT_MONTH
                + ") WHERE tenant_id = :tenant AND month = :month")
        .param("tenant", TenantId.DEFAULT.value())
        .param("month", month.toString())
        .param("from", Timestamp.from(SpendMonth.start(month)))
        .param("to", Timestamp.from(SpendMonth.start(month.plusMonths(1))))
        .update();
  }

  private BigDecimal tenantCommitted(Instant now) {
    return db.sql("SELECT committed_usd FROM tenant_spend WHERE tenant_id = :t AND month = :m")
        .param("t", TenantId.DEFAULT.value())
        .param("m", SpendMonth.of(now).toString())
        .query(BigDecimal.class)
        .single();
  }

  private long holds() {
    return db.sql("SELECT count(*) FROM cap_holds").query(Long.class).single();
  }

  private BigDecimal committed() {
    return db.sql("SELECT committed_usd FROM batches WHERE batch_id = :b")
        .param("b", batch.value())
        .query(BigDecimal.class)
        .single();
  }

  private long attempts() {
    return db.sql("SELECT count(*) FROM attempts WHERE item_id = :i")
        .param("i", item.value())
        .query(Long.class)
        .single();
  }

  private ClaimedItem claimed() {
    return claimed(null);
  }

  private ClaimedItem claimed(BigDecimal tenantMonthlyCap) {
    return new ClaimedItem(
        item,
        TenantId.DEFAULT,
        batch,
        "SKU-0",
        new VariantSpec("hero", "1:1", "1K"),
        "fast",
        List.of("en"),
        null,
        "a mug",
        0,
        null,
        null,
        "bulk",
        null,
        new BigDecimal("1.00"),
        false,
        tenantMonthlyCap,
        0,
        0,
        null,
        Map.of(),
        Map.of());
  }

  private void insertCappedBatchWithRunningItem() {
    db.sql(
            """
            INSERT INTO batches (batch_id, tenant_id, name, tier, lane, spec, product_count,
                                 item_count, state, cost_cap_usd)
            VALUES (:b, :t, 'capped', 'fast', 'bulk', '{}', 1, 1, 'ACCEPTED', 1.00)
            """)
        .param("b", batch.value())
        .param("t", TenantId.DEFAULT.value())
        .update();
    db.sql(
            """
            INSERT INTO products (batch_id, product_no, tenant_id, sku, data)
            VALUES (:b, 0, :t, 'SKU-0',
                    CAST('{"title": "Mug", "prompt": "A mug", "attributes": {}}' AS jsonb))
            """)
        .param("b", batch.value())
        .param("t", TenantId.DEFAULT.value())
        .update();
    db.sql(
            """
            INSERT INTO items (item_id, tenant_id, batch_id, product_no, item_no, sku, variant,
                               state, lane, not_before, lease_owner, lease_until)
            VALUES (:i, :t, :b, 0, 0, 'SKU-0', 'hero', 'RUNNING', 'bulk', now(), :w,
                    now() + interval '1 minute')
            """)
        .param("i", item.value())
        .param("t", TenantId.DEFAULT.value())
        .param("b", batch.value())
        .param("w", WORKER)
        .update();
  }

  /** The same database, for sessions that give up waiting for a row lock after 200 ms. */
  private static HikariDataSource impatientPool(HikariDataSource of) {
    HikariDataSource ds = new HikariDataSource();
    ds.setJdbcUrl(of.getJdbcUrl());
    ds.setUsername(of.getUsername());
    ds.setPassword(of.getPassword());
    ds.setMaximumPoolSize(2);
    ds.setConnectionInitSql("SET lock_timeout = '200ms'");
    return ds;
  }
}
