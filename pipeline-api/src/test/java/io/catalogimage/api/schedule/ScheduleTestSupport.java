package io.catalogimage.api.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.Task;
import io.catalogimage.api.ApiTestClient;
import io.catalogimage.api.ApiTestClient.Answer;
import io.catalogimage.api.ApiTestInfrastructure;
import io.catalogimage.api.MovableClock;
import io.catalogimage.common.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.test.context.DynamicPropertyRegistry;
import tools.jackson.databind.JsonNode;

/**
 * What the schedule tests share: the api on real PostgreSQL and S3 with a clock the tests move,
 * schedulers the tests start and stop themselves (an api instance being up or down), feeds put into
 * the bucket, and the worker's part played by SQL (items marked done with their images).
 */
abstract class ScheduleTestSupport {

  static final String TENANT = "00000000-0000-0000-0000-000000000001";

  /** 32 bytes of test key, base64. */
  static final String CREDENTIALS_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

  static final Instant START = Instant.parse("2026-12-07T12:00:00Z");

  static void properties(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
    // these tests start their own schedulers: "an api instance up" is a scheduler running
    registry.add("pipeline.schedules.enabled", () -> "false");
    registry.add("pipeline.schedules.poll-interval", () -> "100ms");
    registry.add("pipeline.schedules.heartbeat-interval", () -> "5s");
    registry.add("pipeline.schedules.allow-http", () -> "true");
    registry.add("pipeline.schedules.trusted-hosts", () -> "127.0.0.1");
    registry.add("pipeline.schedules.credentials-key", () -> CREDENTIALS_KEY);
    registry.add("pipeline.schedules.generation-reserve", () -> "10m");
    registry.add("pipeline.webhooks.allow-http", () -> "true");
    registry.add("pipeline.webhooks.allow-private-addresses", () -> "true");
    registry.add("pipeline.peak.enabled", () -> "false");
    // a known rate for the first model of tier fast, so that plans have an ETA (at-risk runs)
    registry.add("pipeline.budgets.models[gemini-3.1-flash-image].requests-per-minute", () -> "1");
  }

  @TestConfiguration
  static class MovedClock {
    @Bean
    @Primary
    MovableClock movableClock() {
      return new MovableClock(START);
    }
  }

  @LocalServerPort int port;
  @Autowired JdbcClient jdbc;
  @Autowired MovableClock clock;
  @Autowired ObjectStore store;
  @Autowired DataSource dataSource;
  @Autowired List<Task<?>> tasks;

  private final List<Scheduler> started = new ArrayList<>();

  @AfterEach
  void stopSchedulersAndForgetSchedules() {
    started.forEach(Scheduler::stop);
    started.clear();
    jdbc.sql("DELETE FROM scheduled_tasks").update();
    jdbc.sql("DELETE FROM schedules").update();
    clock.set(START);
  }

  /** An api instance's scheduler, running until the test ends (or {@link Scheduler#stop}). */
  Scheduler startScheduler(String name) {
    Scheduler s =
        Scheduler.create(new TransactionAwareDataSourceProxy(dataSource), tasks)
            .clock(clock::instant)
            .pollingInterval(Duration.ofMillis(100))
            .heartbeatInterval(Duration.ofSeconds(5))
            .threads(2)
            .schedulerName(new SchedulerName.Fixed(name))
            .enableImmediateExecution()
            .shutdownMaxWait(Duration.ofSeconds(5))
            .build();
    s.start();
    started.add(s);
    return s;
  }

  ApiTestClient api() {
    return new ApiTestClient(port);
  }

  JsonNode ok(Answer a, int status) {
    assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(status);
    return a.body();
  }

  JsonNode createSchedule(String json) throws Exception {
    return ok(api().call("POST", "/v1/schedules", json), 201);
  }

  void putFeed(String key, String text) {
    store.put("tenants/" + TENANT + "/" + key, text.getBytes(StandardCharsets.UTF_8), "text/csv");
  }

  JsonNode run(String schedule, String run) throws Exception {
    return ok(api().get("/v1/schedules/" + schedule + "/runs/" + run), 200);
  }

  JsonNode awaitRun(String schedule, String run, String state) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> run(schedule, run), r -> r.path("state").asString().equals(state));
  }

  List<JsonNode> runs(String schedule) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    ok(api().get("/v1/schedules/" + schedule + "/runs?limit=500"), 200)
        .path("runs")
        .forEach(out::add);
    return out;
  }

  /** The worker's part: every open item of the batch succeeds, with its image and alt text. */
  void completeItems(String batch) {
    // claimed first, then ended: each move a legal one with a new version (the transition table)
    jdbc.sql(
            """
            UPDATE items SET state = 'RUNNING', version = version + 1
             WHERE batch_id = CAST(:b AS uuid) AND state IN ('QUEUED', 'DISPATCHED')
            """)
        .param("b", batch)
        .update();
    jdbc.sql(
            """
            UPDATE items SET state = 'SUCCEEDED',
                   image_key = 'tenants/' || tenant_id || '/batches/' || batch_id || '/' || sku
                               || '/' || variant || '.png',
                   sidecar_key = 'tenants/' || tenant_id || '/batches/' || batch_id || '/' || sku
                               || '/' || variant || '.json',
                   alt_text = CAST('{"en": "alt"}' AS jsonb), caption = 'a caption',
                   model_served = 'gemini-3.1-flash-image', cost_usd = 0.067,
                   finished_at = :now, version = version + 1
             WHERE batch_id = CAST(:b AS uuid) AND state = 'RUNNING'
            """)
        .param("now", Timestamp.from(clock.instant()))
        .param("b", batch)
        .update();
  }

  long count(String sql, Object... params) {
    var spec = jdbc.sql(sql);
    for (int i = 0; i < params.length; i++) {
      spec = spec.param(i + 1, params[i]);
    }
    return spec.query(Long.class).single();
  }

  static String id(JsonNode node) {
    return node.path("id").asString();
  }

  static UUID uuid(String text) {
    return UUID.fromString(text);
  }
}
