package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.SimulatorConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The worker against a provider having a bad day: the simulator stands inside its peak window
 * (lower quotas, longer latency, 503/504/429 and safety blocks at random) and some products carry
 * trigger words that force one behaviour each. Every item must end in the right terminal state with
 * the right reason, and the ledger must show every call.
 */
class PeakHourFaultsTest {

  private static final int PLAIN = 40;
  private static final int MAX_ATTEMPTS = 3;

  private static LocalPipeline pipeline;
  private static String batchId;

  @BeforeAll
  static void runABatchAtPeak() {
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(SimulatorConfig.defaults().withTimeScale(0.01))
                .withProperty("pipeline.retry.max-attempts", MAX_ATTEMPTS)
                .withProperty("pipeline.retry.backoff-base", "20ms")
                .withProperty("pipeline.retry.backoff-max", "100ms"),
            step -> {});
    // 11:00 UTC today: inside the default 10:00-14:00 peak window, whatever the real time. The
    // batch
    // runs in the interactive lane: a bulk one would wait out the pipeline's own peak window when
    // the suite itself runs between 10:00 and 14:00 UTC (the pipeline's clock is the real one)
    Instant elevenUtc =
        Instant.now().atZone(ZoneOffset.UTC).toLocalDate().atTime(11, 0).toInstant(ZoneOffset.UTC);
    pipeline.simulator().clock().offsetBy(Duration.between(Instant.now(), elevenUtc));
    batchId = Pipelines.submit(pipeline, catalog());
    Pipelines.awaitCompleted(pipeline, batchId, Duration.ofSeconds(120));
  }

  @AfterAll
  static void stop() {
    pipeline.close();
  }

  private static byte[] catalog() {
    StringJoiner items = new StringJoiner(",\n");
    for (int i = 0; i < PLAIN; i++) {
      items.add(product("P-%03d".formatted(i), "Product " + i));
    }
    items.add(product("SAFETY", "Desk lamp [sim:IMAGE_SAFETY]"));
    items.add(product("PROMPT-BLOCKED", "Poster [sim:PROMPT_BLOCKED]"));
    items.add(product("FLAKY", "Mug [sim:HTTP_503:1]"));
    // two 429s on the first model; the model-scoped trigger plus SUCCESS keeps the outcome the
    // same whether routing waits them out or moves to Pro (whose own trigger count would start
    // again at 0 and use up the attempts: a coin toss on how long the simulator asks to wait)
    items.add(
        product("THROTTLED", "Rug [sim:RATE_LIMITED:2@gemini-3.1-flash-image] [sim:SUCCESS]"));
    items.add(product("NO-IMAGE", "Vase [sim:NO_IMAGE]"));
    return """
        {"name": "peak", "tier": "fast", "lane": "interactive",
         "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
         "altTextLocales": ["en"],
         "promptTemplate": "Studio product photo of {{title}}",
         "items": [%s]}
        """
        .formatted(items)
        .getBytes(StandardCharsets.UTF_8);
  }

  private static String product(String sku, String title) {
    return "{\"sku\": \"%s\", \"title\": \"%s\"}".formatted(sku, title);
  }

  private static Map<String, Object> item(String sku) {
    return jdbc()
        .sql(
            """
            SELECT state, attempts, last_error_type, last_error_message FROM items
             WHERE batch_id = CAST(:b AS uuid) AND sku = :sku
            """)
        .param("b", batchId)
        .param("sku", sku)
        .query()
        .singleRow();
  }

  private static List<String> outcomes(String sku) {
    return jdbc()
        .sql(
            """
            SELECT a.outcome FROM attempts a JOIN items i ON i.item_id = a.item_id
             WHERE i.batch_id = CAST(:b AS uuid) AND i.sku = :sku ORDER BY a.attempt_no
            """)
        .param("b", batchId)
        .param("sku", sku)
        .query(String.class)
        .list();
  }

  private static JdbcClient jdbc() {
    return Pipelines.jdbc(pipeline);
  }

  @Test
  void an_image_safety_block_ends_blocked_with_the_providers_message_after_one_call() {
    Map<String, Object> item = item("SAFETY");

    assertThat(item.get("state")).isEqualTo("BLOCKED");
    assertThat(item.get("last_error_type")).isEqualTo("IMAGE_SAFETY");
    assertThat((String) item.get("last_error_message"))
        .contains("Unable to show the generated image");
    assertThat(outcomes("SAFETY")).containsExactly("BLOCKED");
  }

  @Test
  void a_blocked_prompt_ends_blocked_and_is_not_retried() {
    assertThat(item("PROMPT-BLOCKED").get("state")).isEqualTo("BLOCKED");
    assertThat(outcomes("PROMPT-BLOCKED")).containsExactly("BLOCKED");
  }

  @Test
  void a_transient_503_is_retried_and_succeeds() {
    assertThat(item("FLAKY").get("state")).isEqualTo("SUCCEEDED");
    assertThat(outcomes("FLAKY")).startsWith("SERVER_ERROR").endsWith("SUCCEEDED");
  }

  @Test
  void rate_limited_calls_wait_and_succeed() {
    Map<String, Object> item = item("THROTTLED");
    assertThat(item.get("state"))
        .as("%s, attempts %s", item, outcomes("THROTTLED"))
        .isEqualTo("SUCCEEDED");
    assertThat(outcomes("THROTTLED")).contains("RATE_LIMITED").endsWith("SUCCEEDED");
  }

  @Test
  void an_item_that_never_gets_an_image_fails_after_the_attempt_limit_with_the_reason() {
    Map<String, Object> item = item("NO-IMAGE");

    assertThat(item.get("state")).isEqualTo("FAILED");
    assertThat(item.get("attempts")).isEqualTo(MAX_ATTEMPTS);
    assertThat(item.get("last_error_type")).isEqualTo("NO_IMAGE");
    assertThat((String) item.get("last_error_message")).contains("gave up after 3 attempts");
    assertThat(outcomes("NO-IMAGE")).hasSize(MAX_ATTEMPTS).containsOnly("NO_IMAGE");
  }

  @Test
  void every_item_ends_in_a_terminal_state_and_the_ledger_has_every_call() {
    assertThat(Pipelines.states(pipeline, batchId))
        .containsOnlyKeys("SUCCEEDED", "BLOCKED", "FAILED");
    List<Map<String, Object>> mismatches =
        jdbc()
            .sql(
                """
                SELECT i.sku, i.attempts, count(a.*) AS ledger_rows,
                       count(a.*) FILTER (WHERE a.outcome IN ('SUCCEEDED', 'DOWNGRADED')) AS images,
                       count(a.*) FILTER (WHERE a.outcome = 'IN_FLIGHT') AS open
                  FROM items i LEFT JOIN attempts a ON a.item_id = i.item_id
                 WHERE i.batch_id = CAST(:b AS uuid)
                 GROUP BY i.item_id, i.sku, i.attempts, i.state
                HAVING i.attempts <> count(a.*)
                    OR count(a.*) FILTER (WHERE a.outcome = 'IN_FLIGHT') > 0
                    OR (i.state = 'SUCCEEDED')
                       <> (count(a.*) FILTER (WHERE a.outcome IN ('SUCCEEDED', 'DOWNGRADED')) = 1)
                """)
            .param("b", batchId)
            .query()
            .listOfRows();
    assertThat(mismatches).isEmpty();
  }

  @Test
  void the_batch_cost_is_the_sum_of_the_ledger_and_blocked_calls_cost_nothing() {
    Map<String, Object> sums =
        jdbc()
            .sql(
                """
                SELECT (SELECT sum(cost_usd) FROM items WHERE batch_id = CAST(:b AS uuid)) AS items,
                       (SELECT sum(cost_usd) FROM attempts WHERE batch_id = CAST(:b AS uuid)) AS ledger,
                       (SELECT coalesce(sum(cost_usd), 0) FROM attempts
                         WHERE batch_id = CAST(:b AS uuid) AND outcome = 'BLOCKED') AS blocked
                """)
            .param("b", batchId)
            .query()
            .singleRow();
    assertThat((java.math.BigDecimal) sums.get("items"))
        .isEqualByComparingTo((java.math.BigDecimal) sums.get("ledger"));
    assertThat((java.math.BigDecimal) sums.get("blocked")).isZero();
  }
}
