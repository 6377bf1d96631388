package io.catalogimage.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.svix.Webhook;
import com.svix.exceptions.WebhookVerificationException;
import io.catalogimage.api.ApiTestClient;
import io.catalogimage.api.ApiTestClient.Answer;
import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.common.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Webhooks end to end on the api: events queued when a batch finishes, slips past its deadline or
 * reaches a share of a cost cap, delivered to a real HTTP receiver, signed so that an independent
 * Standard Webhooks implementation (Svix's) accepts them, retried on failure and logged. Items are
 * moved to their final states in SQL, as workers would.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WebhookDeliveryTest {

  private static WebhookReceiver receiver;

  @BeforeAll
  static void startReceiver() throws Exception {
    receiver = new WebhookReceiver();
  }

  @AfterAll
  static void stopReceiver() {
    receiver.close();
  }

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
    // the receiver listens on loopback over http
    registry.add("pipeline.webhooks.allow-private-addresses", () -> "true");
    registry.add("pipeline.webhooks.allow-http", () -> "true");
    registry.add("pipeline.webhooks.retry-schedule", () -> "100ms,100ms");
    registry.add("pipeline.webhooks.poll-interval", () -> "50ms");
    registry.add("pipeline.webhooks.watch-interval", () -> "100ms");
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;

  private Answer call(String method, String path, String body) throws Exception {
    return new ApiTestClient(port).call(method, path, body);
  }

  /** Submits a two-item batch whose events go to {@code path} on the receiver. */
  private String submit(String path, String extra) throws Exception {
    String body =
        """
        {"name": "hooks", "tier": "fast", "callbackUrl": "%s" %s,
         "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
         "items": [{"sku": "W-1", "title": "Mug"}, {"sku": "W-2", "title": "Lamp"}]}
        """
            .formatted(receiver.url(path), extra);
    Answer a = call("POST", "/v1/batches", body);
    assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(202);
    return a.body().path("id").asString();
  }

  /** What a worker does with an item: claims it, then ends it (each move with a new version). */
  private void finishItems(String batch, String state) {
    jdbc.sql(
            """
            UPDATE items SET state = 'RUNNING', version = version + 1
             WHERE batch_id = CAST(:b AS uuid) AND state IN ('QUEUED', 'DISPATCHED')
            """)
        .param("b", batch)
        .update();
    jdbc.sql(
            """
            UPDATE items SET state = :state, cost_usd = 0.039, finished_at = now(),
                             version = version + 1
             WHERE batch_id = CAST(:b AS uuid)
            """)
        .param("state", state)
        .param("b", batch)
        .update();
  }

  private static Map<String, List<String>> headers(WebhookReceiver.Received r) {
    return new HashMap<>(r.headers());
  }

  private String secret() throws Exception {
    return call("GET", "/v1/tenant/webhook", null).body().path("secret").asString();
  }

  private JsonNode deliveryLog(String batch) throws Exception {
    Answer log = call("GET", "/v1/batches/" + batch + "/webhooks", null);
    assertThat(log.status()).isEqualTo(200);
    return log.body().path("events");
  }

  @Test
  void aFinishedBatchIsDeliveredSignedSoThatAnotherImplementationVerifiesIt() throws Exception {
    String batch = submit("/done", "");

    finishItems(batch, "SUCCEEDED");

    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/done").size() == 1);
    WebhookReceiver.Received got = receiver.at("/done").get(0);
    // Svix's verifier: the secret's format, the signed content and the timestamp window
    new Webhook(secret()).verify(got.body(), headers(got));
    assertThatThrownBy(
            () -> new Webhook(secret()).verify(got.body().replace("hooks", "hookz"), headers(got)))
        .isInstanceOf(WebhookVerificationException.class);
    assertThat(got.header("webhook-id")).startsWith("msg_");
    JsonNode event = Json.mapper().readTree(got.body());
    assertThat(event.path("type").asString()).isEqualTo("batch.completed");
    assertThat(event.path("data").path("batchId").asString()).isEqualTo(batch);
    assertThat(event.path("data").path("counts").path("SUCCEEDED").asInt()).isEqualTo(2);
    assertThat(event.path("data").path("costUsd").decimalValue()).isEqualByComparingTo("0.078");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> deliveryLog(batch).path(0).path("state").asString().equals("DELIVERED"));
    JsonNode logged = deliveryLog(batch).path(0);
    assertThat(logged.path("eventId").asString()).isEqualTo(got.header("webhook-id"));
    assertThat(logged.path("log").path(0).path("statusCode").asInt()).isEqualTo(204);
  }

  @Test
  void aBatchWithNothingSucceededSendsBatchFailed() throws Exception {
    String batch = submit("/failed", "");

    finishItems(batch, "FAILED");

    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/failed").size() == 1);
    JsonNode event = Json.mapper().readTree(receiver.at("/failed").get(0).body());
    assertThat(event.path("type").asString()).isEqualTo("batch.failed");
    assertThat(event.path("data").path("counts").path("FAILED").asInt()).isEqualTo(2);
  }

  @Test
  void aFailingReceiverIsRetriedWithTheSameIdThenTheEventFailsAndCanBeRedelivered()
      throws Exception {
    receiver.answer("/flaky", 503, 500, 500);
    String batch = submit("/flaky", "");

    finishItems(batch, "SUCCEEDED");

    // three attempts (the first and two retries), all refused: FAILED, each attempt logged
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> deliveryLog(batch).path(0).path("state").asString().equals("FAILED"));
    List<WebhookReceiver.Received> tries = receiver.at("/flaky");
    assertThat(tries).hasSize(3);
    assertThat(tries)
        .extracting(r -> r.header("webhook-id"))
        .containsOnly(tries.get(0).header("webhook-id"));
    JsonNode event = deliveryLog(batch).path(0);
    assertThat(event.path("attempts").asInt()).isEqualTo(3);
    assertThat(event.path("lastError").asString()).isEqualTo("answered HTTP 500");
    assertThat(event.path("log").path(0).path("statusCode").asInt()).isEqualTo(503);

    // the endpoint is fixed: one more attempt on request, delivered
    Answer redelivered =
        call(
            "POST",
            "/v1/tenant/webhook/events/" + event.path("eventId").asString() + "/redeliver",
            null);
    assertThat(redelivered.status()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> deliveryLog(batch).path(0).path("state").asString().equals("DELIVERED"));
    assertThat(receiver.at("/flaky")).hasSize(4);
  }

  @Test
  void aBatchStillOpenAtItsDeadlineIsReportedAtRiskOnce() throws Exception {
    Instant deadline = Instant.now().plusSeconds(2);
    String batch = submit("/late", ", \"deadline\": \"" + deadline + "\"");

    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/late").size() == 1);

    JsonNode event = Json.mapper().readTree(receiver.at("/late").get(0).body());
    assertThat(event.path("type").asString()).isEqualTo("batch.at_risk");
    assertThat(event.path("data").path("reason").asString())
        .contains("2 of 2 items are still open at the deadline");
    assertThat(call("GET", "/v1/batches/" + batch, null).body().toString())
        .contains("still open at the deadline");
    // the watcher keeps running: still one event
    long events =
        jdbc.sql("SELECT count(*) FROM webhook_events WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batch)
            .query(Long.class)
            .single();
    assertThat(events).isEqualTo(1);
  }

  @Test
  void aProviderJobFallingBackToRealTimeIsReportedOncePerBatchAndJobSigned() throws Exception {
    // to the millisecond: what Postgres keeps of an instant
    Instant deadline =
        Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).plus(Duration.ofHours(12));
    String batch = submit("/fallback", ", \"lane\": \"batch\", \"deadline\": \"" + deadline + "\"");
    // what the worker's PollProviderJobs does at a job's latest safe moment: the job row marked
    // fallen back, its lines sent to real time (RERUN)
    UUID job = UUID.randomUUID();
    Instant safe = deadline.minus(Duration.ofHours(1));
    jdbc.sql(
            """
            INSERT INTO provider_jobs (job_id, endpoint, model, provider_job_id, state, items,
                                       submitted_at, latest_safe_at, fell_back_at, next_poll_at)
            VALUES (:j, 'sim', 'gemini-3.1-flash-image', :p, 'SUBMITTED', 2, now(), :safe, now(),
                    now() + interval '1 hour')
            """)
        .param("j", job)
        .param("p", "batches/late-" + job)
        .param("safe", java.sql.Timestamp.from(safe))
        .update();
    jdbc.sql(
            """
            INSERT INTO provider_job_items (job_id, item_id, line_key, outcome)
            SELECT :j, item_id, item_id::text, 'RERUN' FROM items WHERE batch_id = CAST(:b AS uuid)
            """)
        .param("j", job)
        .param("b", batch)
        .update();

    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/fallback").size() == 1);
    WebhookReceiver.Received got = receiver.at("/fallback").get(0);
    new Webhook(secret()).verify(got.body(), headers(got));
    JsonNode event = Json.mapper().readTree(got.body());
    assertThat(event.path("type").asString()).isEqualTo("batch.fell_back");
    JsonNode data = event.path("data");
    assertThat(data.path("batchId").asString()).isEqualTo(batch);
    assertThat(data.path("providerJob").asString()).isEqualTo("batches/late-" + job);
    assertThat(data.path("items").asInt()).isEqualTo(2);
    assertThat(Instant.parse(data.path("latestSafeAt").asString())).isEqualTo(safe);
    assertThat(data.path("reason").asString()).contains("real time");
    // the watcher keeps running: still one event for this batch and job
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                jdbc.sql(
                            "SELECT count(*) FROM webhook_events WHERE batch_id = CAST(:b AS uuid)"
                                + " AND type = 'batch.fell_back'")
                        .param("b", batch)
                        .query(Long.class)
                        .single()
                    == 1);
  }

  @Test
  void aBatchWithoutAWebhookUrlShowsTheRiskInItsStatus() throws Exception {
    Instant deadline = Instant.now().plusSeconds(2);
    Answer a =
        call(
            "POST",
            "/v1/batches",
            """
            {"name": "quiet", "deadline": "%s",
             "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
             "items": [{"sku": "Q-1", "title": "Mug"}]}
            """
                .formatted(deadline));
    String batch = a.body().path("id").asString();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                call("GET", "/v1/batches/" + batch, null)
                    .body()
                    .path("plan")
                    .path("atRisk")
                    .asString()
                    .contains("still open at the deadline"));
    long events =
        jdbc.sql("SELECT count(*) FROM webhook_events WHERE batch_id = CAST(:b AS uuid)")
            .param("b", batch)
            .query(Long.class)
            .single();
    assertThat(events).isZero();
  }

  @Test
  void spendReachingShareOfTheCostCapSendsEachThresholdOnce() throws Exception {
    String batch = submit("/spend", ", \"costCapUsd\": 1.00");

    setCommitted(batch, "0.85");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/spend").size() == 1);
    setCommitted(batch, "1.00");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/spend").size() == 2);

    List<Double> thresholds =
        receiver.at("/spend").stream()
            .map(r -> Json.mapper().readTree(r.body()).path("data"))
            .peek(d -> assertThat(d.path("scope").asString()).isEqualTo("batch"))
            .map(d -> d.path("threshold").asDouble())
            .toList();
    assertThat(thresholds).containsExactly(0.8, 1.0);
  }

  @Test
  void theTenantsMonthlyCapThresholdGoesToTheTenantsWebhookUrl() throws Exception {
    Answer set =
        call("PUT", "/v1/tenant/webhook", "{\"url\": \"" + receiver.url("/tenant") + "\"}");
    assertThat(set.status()).isEqualTo(200);
    assertThat(set.body().path("secret").asString()).startsWith("whsec_");
    assertThat(call("PUT", "/v1/tenant/cost-cap", "{\"monthlyCapUsd\": 10}").status())
        .isEqualTo(200);

    jdbc.sql(
            """
            INSERT INTO tenant_spend (tenant_id, month, committed_usd)
            SELECT tenant_id, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM'), 8.5 FROM tenants
             WHERE name = 'default'
            ON CONFLICT (tenant_id, month) DO UPDATE SET committed_usd = 8.5
            """)
        .update();

    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/tenant").size() == 1);
    JsonNode data = Json.mapper().readTree(receiver.at("/tenant").get(0).body()).path("data");
    assertThat(data.path("scope").asString()).isEqualTo("tenant");
    assertThat(data.path("threshold").asDouble()).isEqualTo(0.8);
    assertThat(data.path("monthlyCapUsd").decimalValue()).isEqualByComparingTo("10");
    JsonNode logged = call("GET", "/v1/tenant/webhook/events", null).body().path("events");
    assertThat(logged.toString()).contains("budget.threshold");
    assertThat(call("PUT", "/v1/tenant/webhook", "{\"url\": null}").status()).isEqualTo(200);
  }

  @Test
  void aRotatedSecretSignsAtOnceAndTheOldOneGoesOnSigningUntilTheOverlapEnds() throws Exception {
    String before = secret();
    Answer rotated = call("POST", "/v1/tenant/webhook/secret", null);
    String after = rotated.body().path("secret").asString();
    assertThat(after).startsWith("whsec_").isNotEqualTo(before);
    assertThat(rotated.body().path("previousSecret").asString()).isEqualTo(before);
    assertThat(rotated.body().path("previousSecretUntil").isNull()).isFalse();

    finishItems(submit("/rotated", ""), "SUCCEEDED");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/rotated").size() == 1);
    WebhookReceiver.Received during = receiver.at("/rotated").get(0);
    // two signatures: a receiver on either secret accepts it
    assertThat(during.header("webhook-signature").split(" ")).hasSize(2);
    new Webhook(after).verify(during.body(), headers(during));
    new Webhook(before).verify(during.body(), headers(during));

    // the overlap is over: the old secret no longer signs
    jdbc.sql("UPDATE tenants SET webhook_secret_previous_until = now() - interval '1 second'")
        .update();
    finishItems(submit("/rotated-later", ""), "SUCCEEDED");
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.at("/rotated-later").size() == 1);
    WebhookReceiver.Received later = receiver.at("/rotated-later").get(0);
    new Webhook(after).verify(later.body(), headers(later));
    assertThatThrownBy(() -> new Webhook(before).verify(later.body(), headers(later)))
        .isInstanceOf(WebhookVerificationException.class);
  }

  private void setCommitted(String batch, String usd) {
    jdbc.sql(
            "UPDATE batches SET committed_usd = CAST(:usd AS numeric) WHERE batch_id = CAST(:b AS uuid)")
        .param("usd", usd)
        .param("b", batch)
        .update();
  }

  @Test
  void anUnknownEventIsNotFound() throws Exception {
    Answer a =
        call("POST", "/v1/tenant/webhook/events/msg_" + UUID.randomUUID() + "/redeliver", null);
    assertThat(a.status()).isEqualTo(404);
  }
}
