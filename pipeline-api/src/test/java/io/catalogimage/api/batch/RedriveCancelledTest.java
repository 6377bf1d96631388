package io.catalogimage.api.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.ApiTestClient;
import io.catalogimage.api.ApiTestClient.Answer;
import io.catalogimage.api.ApiTestInfrastructure;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A re-drive of a cancelled batch whose items were all held by workers at the cancel (none had
 * ended CANCELLED yet) reopens the batch, as a re-drive that finds CANCELLED items does: those
 * items then run instead of ending CANCELLED, and the batch takes cap changes again (a cancelled
 * batch answers them 409).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RedriveCancelledTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  /** A batch due tomorrow (the dispatcher leaves it), its items then held by a worker. */
  private String batchHeldByAWorker() throws Exception {
    String startAfter =
        Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
    Answer a =
        new ApiTestClient(port)
            .call(
                "POST",
                "/v1/batches?tier=fast&variant=main:1:1:1K&startAfter="
                    + URLEncoder.encode(startAfter, StandardCharsets.UTF_8),
                ApiTestInfrastructure.AUTHORIZATION,
                "text/csv",
                "sku,title\nR-1,Mug\nR-2,Lamp\n");
    assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
    String batch = a.body().path("id").asString();
    int held =
        jdbc.sql(
                """
                UPDATE items SET state = 'RUNNING', lease_owner = 'worker-1',
                                 lease_until = now() + interval '1 minute', version = version + 1
                 WHERE batch_id = CAST(:b AS uuid)
                """)
            .param("b", batch)
            .update();
    assertThat(held).isEqualTo(2);
    return batch;
  }

  private Answer post(String path, String body) throws Exception {
    return new ApiTestClient(port)
        .call("POST", path, ApiTestInfrastructure.AUTHORIZATION, "application/json", body);
  }

  private Answer putCap(String batch) throws Exception {
    return new ApiTestClient(port)
        .call(
            "PUT",
            "/v1/batches/" + batch + "/cost-cap",
            ApiTestInfrastructure.AUTHORIZATION,
            "application/json",
            "{\"costCapUsd\": 5}");
  }

  private boolean cancelled(String batch) {
    return jdbc.sql(
            "SELECT cancelled_at IS NOT NULL FROM batches WHERE batch_id = CAST(:b AS uuid)")
        .param("b", batch)
        .query(Boolean.class)
        .single();
  }

  private List<String> itemStates(String batch) {
    return jdbc.sql("SELECT state FROM items WHERE batch_id = CAST(:b AS uuid) ORDER BY item_no")
        .param("b", batch)
        .query(String.class)
        .list();
  }

  @Test
  void reDrivingCancelledItemsReopensTheBatchEvenBeforeAnyItemEndedCancelled() throws Exception {
    String batch = batchHeldByAWorker();
    Answer cancel = post("/v1/batches/" + batch + "/cancel", null);
    assertThat(cancel.status()).isEqualTo(202);
    assertThat(cancel.body().path("cancelledItems").asInt()).as("both held").isZero();
    assertThat(putCap(batch).status()).as("a cancelled batch takes no cap").isEqualTo(409);

    Answer redrive = post("/v1/batches/" + batch + "/retry", null);

    assertThat(redrive.status()).as(String.valueOf(redrive.body())).isEqualTo(202);
    assertThat(redrive.body().path("retriedItems").asInt()).isZero();
    assertThat(cancelled(batch)).as("no longer cancelled").isFalse();
    assertThat(itemStates(batch)).as("still the worker's").containsExactly("RUNNING", "RUNNING");
    Answer cap = putCap(batch);
    assertThat(cap.status()).as(String.valueOf(cap.body())).isEqualTo(200);
  }

  @Test
  void reDrivingOnlyFailedItemsLeavesACancelledBatchCancelled() throws Exception {
    String batch = batchHeldByAWorker();
    assertThat(post("/v1/batches/" + batch + "/cancel", null).status()).isEqualTo(202);

    Answer redrive = post("/v1/batches/" + batch + "/retry", "{\"states\": [\"FAILED\"]}");

    assertThat(redrive.status()).as(String.valueOf(redrive.body())).isEqualTo(202);
    assertThat(redrive.body().path("retriedItems").asInt()).isZero();
    assertThat(cancelled(batch)).as("the cancel was not undone").isTrue();
    assertThat(putCap(batch).status()).isEqualTo(409);
  }
}
