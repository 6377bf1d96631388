package io.catalogimage.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestClient;
import io.catalogimage.api.ApiTestClient.Answer;
import io.catalogimage.api.ApiTestInfrastructure;
import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The batch summary reads per-batch counters that the item changes keep themselves: whatever
 * inserts or updates items (COPY, INSERT ... SELECT, one row or many), the summary's counts and
 * cost stay equal to counting the items.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ItemCountersTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  private String submit(String contentType, String query, String body) throws Exception {
    Answer a =
        new ApiTestClient(port)
            .call(
                "POST",
                "/v1/batches" + query,
                ApiTestInfrastructure.AUTHORIZATION,
                contentType,
                body);
    assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
    return a.body().path("id").asString();
  }

  private JsonNode summary(String batch) throws Exception {
    return new ApiTestClient(port).get("/v1/batches/" + batch).body();
  }

  private Map<String, Long> counted(String batch) {
    Map<String, Long> counts = new TreeMap<>();
    jdbc.sql("SELECT state, count(*) FROM items WHERE batch_id = CAST(:b AS uuid) GROUP BY state")
        .param("b", batch)
        .query(
            rs -> {
              counts.put(rs.getString(1), rs.getLong(2));
            });
    return counts;
  }

  private static Map<String, Long> shown(JsonNode summary) {
    Map<String, Long> counts = new TreeMap<>();
    // the summary lists every state; the ones with items are compared
    summary.path("counts").properties().stream()
        .filter(e -> e.getValue().asLong() != 0)
        .forEach(e -> counts.put(e.getKey(), e.getValue().asLong()));
    return counts;
  }

  private BigDecimal cost(String batch) {
    return jdbc.sql("SELECT sum(cost_usd) FROM items WHERE batch_id = CAST(:b AS uuid)")
        .param("b", batch)
        .query(BigDecimal.class)
        .single();
  }

  private void update(String sql, String batch) {
    jdbc.sql(sql).param("b", batch).update();
  }

  @Test
  void countsAndCostFollowEveryKindOfItemChange() throws Exception {
    String json =
        submit(
            "application/json",
            "",
            """
            {"name": "counted", "tier": "fast",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"},
                          {"name": "banner", "aspectRatio": "4:1", "size": "2K"}],
             "items": [{"sku": "C-1", "title": "Mug"}, {"sku": "C-2", "title": "Lamp"},
                       {"sku": "C-3", "title": "Vase"}]}
            """);
    String upload =
        submit(
            "text/csv",
            "?name=uploaded&variant=listing:1:1:1K",
            "sku,title\nU-1,Mug\nU-2,Lamp\nU-3,Vase\nU-4,Bowl\n");
    assertThat(shown(summary(json))).isEqualTo(Map.of("QUEUED", 6L));
    assertThat(shown(summary(upload))).isEqualTo(Map.of("QUEUED", 4L));

    // many rows in one statement, then single rows, a cost change without a state change
    // (every move takes a new version, as the transition table's trigger requires)
    update(
        "UPDATE items SET state = 'RUNNING', version = version + 1 WHERE batch_id = CAST(:b AS uuid)",
        json);
    update(
        """
        UPDATE items SET state = 'SUCCEEDED', cost_usd = 0.067, version = version + 1
         WHERE batch_id = CAST(:b AS uuid) AND item_no IN (0, 1, 2)
        """,
        json);
    update(
        """
        UPDATE items SET state = 'FAILED', version = version + 1
         WHERE batch_id = CAST(:b AS uuid) AND item_no = 3
        """,
        json);
    update(
        "UPDATE items SET cost_usd = 0.134 WHERE batch_id = CAST(:b AS uuid) AND item_no = 0",
        json);
    update("UPDATE items SET lease_until = now() WHERE batch_id = CAST(:b AS uuid)", json);
    update(
        "UPDATE items SET state = 'CANCELLED', version = version + 1 WHERE batch_id = CAST(:b AS uuid)",
        upload);

    JsonNode after = summary(json);
    assertThat(shown(after)).isEqualTo(counted(json)).containsEntry("SUCCEEDED", 3L);
    assertThat(after.path("costUsd").decimalValue()).isEqualByComparingTo(cost(json));
    assertThat(after.path("costUsd").decimalValue()).isEqualByComparingTo("0.268");
    assertThat(shown(summary(upload))).isEqualTo(Map.of("CANCELLED", 4L));
  }

  private void attempt(String batch, int itemNo, int attemptNo, String model, String outcome) {
    jdbc.sql(
            """
            INSERT INTO attempts (item_id, attempt_no, tenant_id, batch_id, worker_id, endpoint,
                                  model_requested, outcome, started_at, cost_usd)
            SELECT item_id, :no, tenant_id, batch_id, 'w1', 'google', :model, :outcome, now(),
                   CASE WHEN :outcome = 'SUCCEEDED' THEN 0.067 ELSE 0 END
              FROM items WHERE batch_id = CAST(:b AS uuid) AND item_no = :item
            """)
        .param("b", batch)
        .param("item", itemNo)
        .param("no", attemptNo)
        .param("model", model)
        .param("outcome", outcome)
        .update();
  }

  @Test
  void costByModelFollowsTheLedgersInsertsAndSettlements() throws Exception {
    String batch =
        submit(
            "application/json",
            "",
            """
            {"name": "usage", "tier": "fast",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "items": [{"sku": "M-1", "title": "Mug"}, {"sku": "M-2", "title": "Lamp"}]}
            """);
    attempt(batch, 0, 1, "nb2", "RATE_LIMITED");
    attempt(batch, 0, 2, "nb2", "IN_FLIGHT");
    attempt(batch, 1, 1, "pro", "SUCCEEDED");
    // the in-flight call settles: the row is updated, not inserted again
    jdbc.sql(
            """
            UPDATE attempts SET outcome = 'SUCCEEDED', cost_usd = 0.039
             WHERE batch_id = CAST(:b AS uuid) AND outcome = 'IN_FLIGHT'
            """)
        .param("b", batch)
        .update();

    JsonNode byModel = summary(batch).path("costByModel");

    assertThat(byModel.path("nb2").path("calls").asLong()).isEqualTo(2);
    assertThat(byModel.path("nb2").path("images").asLong()).isEqualTo(1);
    assertThat(byModel.path("nb2").path("costUsd").decimalValue()).isEqualByComparingTo("0.039");
    assertThat(byModel.path("pro").path("calls").asLong()).isEqualTo(1);
    assertThat(byModel.path("pro").path("costUsd").decimalValue()).isEqualByComparingTo("0.067");
  }

  @Test
  void callsWhoseOutcomeIsUnknownAreChargedAtTheirEstimateAndShownApart() throws Exception {
    String batch =
        submit(
            "application/json",
            "",
            """
            {"name": "unknown", "tier": "fast",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "items": [{"sku": "P-1", "title": "Mug"}]}
            """);
    attempt(batch, 0, 1, "nb2", "IN_FLIGHT");
    attempt(batch, 0, 2, "nb2", "SUCCEEDED");
    // the first call timed out: charged at its estimate, flagged
    jdbc.sql(
            """
            UPDATE attempts SET outcome = 'TIMEOUT', cost_usd = 0.067, possibly_billed = true
             WHERE batch_id = CAST(:b AS uuid) AND outcome = 'IN_FLIGHT'
            """)
        .param("b", batch)
        .update();

    JsonNode view = summary(batch);
    assertThat(view.path("possiblyBilledUsd").decimalValue()).isEqualByComparingTo("0.067");
    JsonNode nb2 = view.path("costByModel").path("nb2");
    assertThat(nb2.path("costUsd").decimalValue()).isEqualByComparingTo("0.134");
    assertThat(nb2.path("possiblyBilledUsd").decimalValue()).isEqualByComparingTo("0.067");
    JsonNode usage =
        new io.catalogimage.api.ApiTestClient(port).get("/v1/usage").body().path("byBatch");
    JsonNode mine = null;
    for (JsonNode row : usage) {
      if (row.path("key").asString().equals(batch)) {
        mine = row;
      }
    }
    assertThat(mine).isNotNull();
    assertThat(mine.path("possiblyBilledUsd").decimalValue()).isEqualByComparingTo("0.067");
    assertThat(mine.path("costUsd").decimalValue()).isEqualByComparingTo("0.134");
  }
}
