package io.catalogimage.api.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.catalogimage.api.ApiTestClient;
import io.catalogimage.api.ApiTestClient.Answer;
import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.api.intake.ExpandBatches;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * An upload larger than {@code expand-in-request-up-to} (1 here) answers once its products are
 * stored; its items are made right after. Until then the batch shows them as queued, never looks
 * finished, and a cancel still reaches all of them. The loop that makes them is stopped where a
 * test needs the moment between the answer and the items (as after a crash right after the 202).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "pipeline.intake.expand-in-request-up-to=1")
class DeferredItemsTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;
  @Autowired ExpandBatches expander;
  @Autowired FinishBatches finisher;

  /** Tomorrow, so that the dispatcher leaves the items queued. */
  private final Instant startAfter =
      Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);

  @AfterEach
  void restartTheLoop() {
    expander.start();
  }

  private JsonNode upload(String csv) throws Exception {
    String query =
        "?tier=fast&variant=main:1:1:1K&variant=thumb:1:1:1K&startAfter="
            + URLEncoder.encode(startAfter.toString(), StandardCharsets.UTF_8);
    Answer a =
        new ApiTestClient(port)
            .call(
                "POST",
                "/v1/batches" + query,
                ApiTestInfrastructure.AUTHORIZATION,
                "text/csv",
                csv);
    assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
    return a.body();
  }

  private JsonNode get(String path) throws Exception {
    Answer a = new ApiTestClient(port).get(path);
    assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(200);
    return a.body();
  }

  private Map<String, Long> itemStates(String batch) {
    Map<String, Long> states = new TreeMap<>();
    jdbc.sql("SELECT state, count(*) FROM items WHERE batch_id = CAST(:b AS uuid) GROUP BY state")
        .param("b", batch)
        .query((rs, i) -> states.put(rs.getString(1), rs.getLong(2)))
        .list();
    return states;
  }

  @Test
  void aLargeUploadGetsItsItemsRightAfterTheAnswer() throws Exception {
    expander.stop();
    String batch = upload("sku,title\nD-1,Mug\nD-2,Lamp\nD-3,Chair\n").path("id").asString();

    // answered with its products stored, its items still to make
    assertThat(itemStates(batch)).isEmpty();
    JsonNode pending = get("/v1/batches/" + batch);
    assertThat(pending.path("state").asString()).isEqualTo("ACCEPTED");
    assertThat(pending.path("itemCount").asInt()).isEqualTo(6);
    assertThat(pending.path("counts").path("QUEUED").asLong()).isEqualTo(6);
    assertThat(pending.path("progress").path("done").asLong()).isZero();
    finisher.finishOnce(); // no item is open, yet the batch is not finished
    assertThat(
            jdbc.sql("SELECT finished_at IS NULL FROM batches WHERE batch_id = CAST(:b AS uuid)")
                .param("b", batch)
                .query(Boolean.class)
                .single())
        .isTrue();

    expander.start();
    expander.wake();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> itemStates(batch).equals(Map.of("QUEUED", 6L)));
    List<String> items =
        jdbc.sql(
                """
                SELECT item_no || ' ' || sku || ' ' || variant || ' ' || product_no
                  FROM items WHERE batch_id = CAST(:b AS uuid) ORDER BY item_no
                """)
            .param("b", batch)
            .query(String.class)
            .list();
    assertThat(items)
        .containsExactly(
            "0 D-1 main 0",
            "1 D-1 thumb 0",
            "2 D-2 main 1",
            "3 D-2 thumb 1",
            "4 D-3 main 2",
            "5 D-3 thumb 2");
    List<Timestamp> due =
        jdbc.sql("SELECT DISTINCT not_before FROM items WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batch)
            .query(Timestamp.class)
            .list();
    assertThat(due).extracting(Timestamp::toInstant).containsExactly(startAfter);
    JsonNode made = get("/v1/batches/" + batch);
    assertThat(made.path("counts").path("QUEUED").asLong()).isEqualTo(6);
    assertThat(get("/v1/batches/" + batch + "/items").path("items").size()).isEqualTo(6);
  }

  @Test
  void cancellingBeforeTheItemsAreMadeCancelsEveryOne() throws Exception {
    expander.stop();
    String batch = upload("sku,title\nC-1,Mug\nC-2,Lamp\n").path("id").asString();

    Answer cancelled =
        new ApiTestClient(port).call("POST", "/v1/batches/" + batch + "/cancel", null);

    assertThat(cancelled.status()).as(String.valueOf(cancelled.body())).isEqualTo(202);
    assertThat(cancelled.body().path("cancelledItems").asInt()).isEqualTo(4);
    assertThat(itemStates(batch)).isEqualTo(Map.of("CANCELLED", 4L));
    assertThat(
            jdbc.sql("SELECT items_pending FROM batches WHERE batch_id = CAST(:b AS uuid)")
                .param("b", batch)
                .query(Boolean.class)
                .single())
        .isFalse();
  }

  @Test
  void aSmallUploadHasItsItemsWhenAnswered() throws Exception {
    expander.stop();
    String batch = upload("sku,title\nS-1,Mug\n").path("id").asString();

    assertThat(itemStates(batch)).isEqualTo(Map.of("QUEUED", 2L));
  }
}
