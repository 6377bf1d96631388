package io.catalogimage.api.tenant;

import io.catalogimage.api.retry.RetriedOnLockConflict;
import io.catalogimage.common.batch.BatchRepository;
import io.catalogimage.common.db.CapChangeLocks;
import io.catalogimage.common.db.CommittedSpend;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.pricing.SpendMonth;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.YearMonth;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * A tenant's monthly cost cap (months in UTC). Setting it recounts the month's committed money from
 * the ledger; items the old cap stopped run again (each is checked against both its batch's and the
 * tenant's cap before its call, so one still out of room simply stops again).
 */
@Repository
class TenantCaps {

  private static final String SET_CAP =
      "UPDATE tenants SET monthly_cap_usd = :cap WHERE tenant_id = :tenant";

  /** The month's committed money, from the ledger (CommittedSpend). */
  private static final String MONTH_FROM_LEDGER = "SELECT " + CommittedSpend.OF_TENANT_MONTH;

  /**
   * The month's row, locked (when there is one) before the recount reads the ledger: a settle that
   * moved the month's committed money before is in the recount's snapshot, one after waits and adds
   * its own on top.
   */
  private static final String LOCK_MONTH_ROW =
      "SELECT 1 FROM tenant_spend WHERE tenant_id = :tenant AND month = :month FOR NO KEY UPDATE";

  private static final String RECOUNT_MONTH =
      "INSERT INTO tenant_spend AS s (tenant_id, month, committed_usd) SELECT :tenant, :month, ("
          + MONTH_FROM_LEDGER
          + ") ON CONFLICT (tenant_id, month) DO UPDATE SET committed_usd = EXCLUDED.committed_usd";

  private static final String STATE =
      """
      SELECT t.monthly_cap_usd,
             coalesce((SELECT committed_usd FROM tenant_spend
                        WHERE tenant_id = t.tenant_id AND month = :month), 0) AS committed
        FROM tenants t WHERE t.tenant_id = :tenant
      """;

  /** The cap, the month and what it has committed. */
  record MonthlyCap(BigDecimal monthlyCapUsd, String month, BigDecimal committedUsd) {}

  /** What a change did. */
  record Changed(MonthlyCap cap, int resumedItems) {}

  private final JdbcClient jdbc;
  private final ItemRepository items;
  private final BatchRepository batches;

  TenantCaps(JdbcClient jdbc, ItemRepository items, BatchRepository batches) {
    this.jdbc = jdbc;
    this.items = items;
    this.batches = batches;
  }

  MonthlyCap get(TenantId tenant, Instant now) {
    String month = month(now);
    return jdbc.sql(STATE)
        .param("tenant", tenant.value())
        .param("month", month)
        .query(
            (rs, i) ->
                new MonthlyCap(
                    rs.getBigDecimal("monthly_cap_usd"), month, rs.getBigDecimal("committed")))
        .single();
  }

  @Transactional
  @RetriedOnLockConflict
  Changed set(TenantId tenant, BigDecimal cap, Instant now) {
    // held until commit: a worker stopping an item at this cap waits for it, then looks again
    jdbc.sql(CapChangeLocks.LOCK_TENANT).param("tenant", tenant.value()).query().listOfRows();
    YearMonth month = SpendMonth.of(now);
    Timestamp from = Timestamp.from(SpendMonth.start(month));
    Timestamp to = Timestamp.from(SpendMonth.start(month.plusMonths(1)));
    BigDecimal committed =
        jdbc.sql(MONTH_FROM_LEDGER)
            .param("tenant", tenant.value())
            .param("month", month.toString())
            .param("from", from)
            .param("to", to)
            .query(BigDecimal.class)
            .single();
    // the items (and their counters) and the batches before the tenant's rows: the order a
    // worker's settle takes them in (its item, its counters, its batch's spend, the tenant's
    // month), so that neither waits on the other in a cycle; all of it shows at once, at commit
    int resumed = 0;
    if (cap == null || cap.compareTo(committed) > 0) {
      resumed = items.resumeCapped(tenant, null, "resumed: the monthly cost cap changed", now);
      if (resumed > 0) {
        batches.reopenResumed(tenant, null);
      }
    }
    jdbc.sql(SET_CAP).param("cap", cap).param("tenant", tenant.value()).update();
    jdbc.sql(LOCK_MONTH_ROW)
        .param("tenant", tenant.value())
        .param("month", month.toString())
        .query(Integer.class)
        .list();
    jdbc.sql(RECOUNT_MONTH)
        .param("tenant", tenant.value())
        .param("month", month.toString())
        .param("from", from)
        .param("to", to)
        .update();
    MonthlyCap state = get(tenant, now);
    return new Changed(state, resumed);
  }

  private static String month(Instant now) {
    return SpendMonth.of(now).toString();
  }
}
